package identify

import (
	"hash"
	"hash/crc32"
	"io"
)

// crcOf returns the IEEE CRC-32 (as zlib and U-Boot compute it) of n bytes at off.
func crcOf(r io.ReaderAt, off, n int64) (uint32, error) {
	h := crc32.NewIEEE()
	err := hashRange(h, r, off, n)
	return h.Sum32(), err
}

// hashRange feeds n bytes at off to h.
func hashRange(h hash.Hash, r io.ReaderAt, off, n int64) error {
	got, err := io.Copy(h, io.NewSectionReader(r, off, n))
	if err == nil && got != n {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// rawCRC is the CRC-32 without the final inversion, seeded with seed, as the
// Linux kernel's crc32() computes it (JFFS2 seeds 0, UBI seeds 0xFFFFFFFF).
func rawCRC(seed uint32, p []byte) uint32 {
	return ^crc32.Update(^seed, crc32.IEEETable, p)
}
