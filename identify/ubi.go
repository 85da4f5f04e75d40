package identify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ubiDetector finds UBI images (drivers/mtd/ubi/ubi-media.h): a run of
// physical erase blocks, each with an erase-counter header and, when in use,
// a volume-identifier header, both CRC-protected; the layout volume's table
// names the volumes, and static volumes carry a CRC of each block's data.
type ubiDetector struct{}

const (
	ubiHeaderSize   = 64
	ubiLayoutVolume = 0x7FFFEFFF
	ubiVtblRecord   = 172
	ubiDynamic      = 1
	ubiStatic       = 2
	ubiCRCSeed      = 0xFFFFFFFF
)

func (ubiDetector) Type() string     { return "ubi" }
func (ubiDetector) Magics() [][]byte { return [][]byte{[]byte("UBI#")} }

type ubiEC struct{ vidOff, dataOff int64 }

// ubiECHeader reads the erase-counter header at at: whether its magic is
// there, and whether its CRC is right.
func ubiECHeader(r io.ReaderAt, at, end int64) (ubiEC, bool, bool) {
	h := header(r, at, end, ubiHeaderSize)
	if h == nil || !bytes.Equal(h[:4], []byte("UBI#")) {
		return ubiEC{}, false, false
	}
	be := binary.BigEndian
	ec := ubiEC{int64(be.Uint32(h[16:])), int64(be.Uint32(h[20:]))}
	return ec, true, rawCRC(ubiCRCSeed, h[:60]) == be.Uint32(h[60:])
}

func (ubiDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	first, magic, good := ubiECHeader(r, off, end)
	if !magic || !good || first.vidOff < ubiHeaderSize || first.dataOff <= first.vidOff {
		return nil
	}
	f := &Finding{Offset: off, Type: "ubi", Verdict: OK}
	peb := int64(0)
	// The erase block size is the distance to the next block's header
	// (whose CRC may be the damaged one).
	for p := max(int64(16<<10), first.dataOff); p <= 2<<20; p *= 2 {
		if _, m, _ := ubiECHeader(r, off+p, end); m {
			peb = p
			break
		}
	}
	if peb == 0 {
		f.Length = min(first.dataOff, end-off)
		f.Verdict, f.Reason = Unverifiable, "a single erase block: its size is unknown"
		f.Summary = "UBI erase block"
		return f
	}
	u := ubiImage{r: r, f: f}
	count := int64(0)
	for at := off; at+peb <= end; at += peb {
		ec, magic, good := ubiECHeader(r, at, end)
		if !magic {
			break
		}
		count++
		if !good {
			f.damage("erase-counter header CRC mismatch in block %d (0x%x)", count-1, at)
			continue
		}
		u.block(at, at+peb, ec)
	}
	f.Length = count * peb
	f.add("erase block", "%d", peb)
	f.add("blocks", "%d", count)
	f.add("data offset", "%d", first.dataOff)
	names := u.volumeList()
	f.Summary = fmt.Sprintf("UBI, %d blocks of %s, volumes: %s", count, size(peb), strings.Join(names, ", "))
	return f
}

// ubiImage collects what the blocks of one UBI image say.
type ubiImage struct {
	r    io.ReaderAt
	f    *Finding
	vtbl []string // "id name" from the layout volume
}

// block checks one erase block's volume header and data.
func (u *ubiImage) block(at, end int64, ec ubiEC) {
	h := header(u.r, at+ec.vidOff, end, ubiHeaderSize)
	if h == nil || bytes.Equal(h, bytes.Repeat([]byte{0xFF}, ubiHeaderSize)) {
		return // free block
	}
	be := binary.BigEndian
	if !bytes.Equal(h[:4], []byte("UBI!")) || rawCRC(ubiCRCSeed, h[:60]) != be.Uint32(h[60:]) {
		u.f.damage("volume header CRC mismatch at 0x%x", at+ec.vidOff)
		return
	}
	vol, typ := be.Uint32(h[8:]), h[5]
	dataAt := at + ec.dataOff
	if vol == ubiLayoutVolume {
		if u.vtbl == nil {
			u.readVtbl(dataAt, end)
		}
		return
	}
	if typ == ubiStatic {
		n := int(be.Uint32(h[20:]))
		data := header(u.r, dataAt, end, n)
		if data == nil || rawCRC(ubiCRCSeed, data) != be.Uint32(h[32:]) {
			u.f.damage("data CRC mismatch in block of static volume %d at 0x%x", vol, at)
		}
	}
}

// readVtbl reads the volume table from the layout volume.
func (u *ubiImage) readVtbl(at, end int64) {
	be := binary.BigEndian
	for i := 0; i < 128; i++ {
		rec := header(u.r, at+int64(i*ubiVtblRecord), end, ubiVtblRecord)
		if rec == nil {
			return
		}
		if rawCRC(ubiCRCSeed, rec[:168]) != be.Uint32(rec[168:]) {
			u.f.damage("volume table record %d CRC mismatch", i)
			continue
		}
		n := int(be.Uint16(rec[14:]))
		if be.Uint32(rec) == 0 || n == 0 || n > 127 {
			continue // an empty record
		}
		kind := map[byte]string{ubiDynamic: "dynamic", ubiStatic: "static"}[rec[12]]
		u.vtbl = append(u.vtbl, fmt.Sprintf("%d %s", i, string(rec[16:16+n])))
		u.f.add(fmt.Sprintf("volume %d", i), "%q, %s, %d blocks reserved", string(rec[16:16+n]), kind, be.Uint32(rec))
	}
}

func (u *ubiImage) volumeList() []string {
	var names []string
	for _, v := range u.vtbl {
		_, name, _ := strings.Cut(v, " ")
		names = append(names, fmt.Sprintf("%q", name))
	}
	sort.Strings(names)
	if names == nil {
		names = []string{"none"}
	}
	return names
}
