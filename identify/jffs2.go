package identify

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// jffs2Detector finds JFFS2 file systems (include/uapi/linux/jffs2.h) and
// walks their nodes, checking each header CRC, node CRC, and the CRC of
// each inode's data and each directory entry's name.
type jffs2Detector struct{}

const (
	jffs2Magic      = 0x1985
	jffs2Accurate   = 0x2000 // cleared on flash when a node is obsoleted
	jffs2Dirent     = 0xE001
	jffs2Inode      = 0xE002
	jffs2InodeSize  = 68
	jffs2DirentSize = 40
	jffs2MaxGap     = 256 << 10 // erased space a file system may hold between nodes
)

func (jffs2Detector) Type() string     { return "jffs2" }
func (jffs2Detector) Magics() [][]byte { return [][]byte{{0x85, 0x19}, {0x19, 0x85}} }

func (jffs2Detector) Check(r io.ReaderAt, off, end int64) *Finding {
	if off%4 != 0 {
		return nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	endian := "little-endian"
	if first := header(r, off, end, 2); first == nil {
		return nil
	} else if first[0] == 0x19 {
		order, endian = binary.BigEndian, "big-endian"
	}
	w := jffs2Walker{r: r, order: order, end: end}
	if _, ok := w.header(off); !ok {
		return nil
	}
	f := &Finding{Offset: off, Type: "jffs2", Verdict: OK}
	last := w.walk(off, f)
	f.Length = last - off
	slices.Sort(w.names)
	f.Files = slices.Compact(w.names)
	f.add("endian", "%s", endian)
	f.add("nodes", "%d", w.nodes)
	f.add("inodes", "%d", w.inodes)
	f.add("directory entries", "%d", w.dirents)
	f.Summary = fmt.Sprintf("JFFS2, %s, %d nodes, %d names", endian, w.nodes, len(f.Files))
	return f
}

type jffs2Walker struct {
	r                      io.ReaderAt
	order                  binary.ByteOrder
	end                    int64
	nodes, inodes, dirents int
	names                  []string
}

// header reads the node header at at and returns the node's length when
// the header is a valid one.
func (w *jffs2Walker) header(at int64) (int64, bool) {
	h := header(w.r, at, w.end, 12)
	if h == nil || w.order.Uint16(h) != jffs2Magic {
		return 0, false
	}
	crcInput := append([]byte(nil), h[:8]...)
	w.order.PutUint16(crcInput[2:], w.order.Uint16(h[2:])|jffs2Accurate)
	n := int64(w.order.Uint32(h[4:]))
	if rawCRC(0, crcInput) != w.order.Uint32(h[8:]) || n < 12 || n > w.end-at {
		return 0, false
	}
	return n, true
}

// walk follows nodes from at and returns where the last one ends.
func (w *jffs2Walker) walk(at int64, f *Finding) int64 {
	last := at
	for at+12 <= w.end {
		n, ok := w.header(at)
		if ok {
			w.check(at, n, f)
			at += (n + 3) &^ 3 // nodes start 4-byte aligned
			last = min(at, w.end)
			continue
		}
		// Between nodes there is only erased space (the rest of an erase
		// block); past it the file system goes on, or has ended.
		if h := header(w.r, at, w.end, 2); h != nil && w.order.Uint16(h) == jffs2Magic {
			f.damage("node header CRC mismatch at 0x%x", at)
		}
		next, found := w.nextNode(at)
		if !found {
			break
		}
		at = next
	}
	return last
}

// nextNode looks past erased words (or a damaged node) for the next valid
// node header within jffs2MaxGap.
func (w *jffs2Walker) nextNode(at int64) (int64, bool) {
	buf := make([]byte, 4)
	damagedNode := false
	if h := header(w.r, at, w.end, 2); h != nil && w.order.Uint16(h) == jffs2Magic {
		damagedNode = true
	}
	for p := at; p < at+jffs2MaxGap && p+12 <= w.end; p += 4 {
		if readAt(w.r, buf, p) != nil {
			return 0, false
		}
		if w.order.Uint16(buf) == jffs2Magic {
			if _, ok := w.header(p); ok {
				return p, true
			}
		}
		word := w.order.Uint32(buf)
		if !damagedNode && word != 0xFFFFFFFF && word != 0 {
			return 0, false
		}
	}
	return 0, false
}

// check verifies a node's own CRCs and collects names.
func (w *jffs2Walker) check(at, n int64, f *Finding) {
	w.nodes++
	typ := w.order.Uint16(header(w.r, at+2, w.end, 2)) | jffs2Accurate
	switch typ {
	case jffs2Inode:
		w.inodes++
		h := header(w.r, at, w.end, jffs2InodeSize)
		if h == nil || n < jffs2InodeSize {
			f.damage("inode node at 0x%x too short", at)
			return
		}
		if rawCRC(0, h[:60]) != w.order.Uint32(h[64:]) {
			f.damage("inode node CRC mismatch at 0x%x", at)
			return
		}
		csize := int64(w.order.Uint32(h[48:]))
		data := header(w.r, at+jffs2InodeSize, at+n, int(csize))
		if data == nil || rawCRC(0, data) != w.order.Uint32(h[60:]) {
			f.damage("inode data CRC mismatch at 0x%x", at)
		}
	case jffs2Dirent:
		w.dirents++
		h := header(w.r, at, w.end, jffs2DirentSize)
		if h == nil || n < jffs2DirentSize {
			f.damage("directory entry at 0x%x too short", at)
			return
		}
		if rawCRC(0, h[:32]) != w.order.Uint32(h[32:]) {
			f.damage("directory entry CRC mismatch at 0x%x", at)
			return
		}
		name := header(w.r, at+jffs2DirentSize, at+n, int(h[28]))
		if name == nil || rawCRC(0, name) != w.order.Uint32(h[36:]) {
			f.damage("directory entry name CRC mismatch at 0x%x", at)
			return
		}
		w.names = append(w.names, string(name))
	}
}
