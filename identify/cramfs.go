package identify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// cramfsDetector finds cramfs file systems (include/uapi/linux/cramfs_fs.h):
// version 2 carries a CRC-32 over the whole file system.
type cramfsDetector struct{}

const (
	cramfsSuperblock = 76
	cramfsFlagCRC    = 1 // CRAMFS_FLAG_FSID_VERSION_2
)

var cramfsSignature = []byte("Compressed ROMFS")

func (cramfsDetector) Type() string { return "cramfs" }
func (cramfsDetector) Magics() [][]byte {
	return [][]byte{{0x45, 0x3d, 0xcd, 0x28}, {0x28, 0xcd, 0x3d, 0x45}}
}

func (cramfsDetector) Check(r io.ReaderAt, off, end int64) *Finding {
	h := header(r, off, end, cramfsSuperblock)
	if h == nil || !bytes.Equal(h[16:32], cramfsSignature) {
		return nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	endian := "little-endian"
	if h[0] == 0x28 {
		order, endian = binary.BigEndian, "big-endian"
	}
	n := int64(order.Uint32(h[4:]))
	flags := order.Uint32(h[8:])
	if n < cramfsSuperblock {
		return nil
	}
	name, _ := cString(h[48:64])
	files := order.Uint32(h[44:])
	f := &Finding{Offset: off, Length: n, Type: "cramfs", Verdict: OK}
	f.add("name", "%s", name)
	f.add("endian", "%s", endian)
	f.add("files", "%d", files)
	f.add("edition", "%d", order.Uint32(h[36:]))
	f.Summary = fmt.Sprintf("cramfs %q, %s, %d files", name, endian, files)
	if n > end-off {
		f.truncated("superblock", n, end-off)
		return f
	}
	if flags&cramfsFlagCRC == 0 {
		f.Verdict, f.Reason = Unverifiable, "version 1 cramfs has no CRC"
		return f
	}
	// The CRC is computed with its own field zeroed.
	sum := crc32.NewIEEE()
	zeroed := bytes.Clone(h)
	copy(zeroed[32:36], make([]byte, 4))
	sum.Write(zeroed)
	if err := hashRange(sum, r, off+cramfsSuperblock, n-cramfsSuperblock); err != nil {
		f.damage("unreadable: %v", err)
	} else if want := order.Uint32(h[32:]); sum.Sum32() != want {
		f.damage("CRC mismatch (superblock 0x%08X, data 0x%08X)", want, sum.Sum32())
	}
	return f
}
