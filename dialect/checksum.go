package dialect

import "hash/crc32"

// Algorithm is a checksum a bootloader computes over memory, and the same
// sum computed here.
type Algorithm struct {
	Name string // as the record keeps it: "crc32", "posix-cksum"
	Sum  func(data []byte) uint32
}

var (
	// CRC32 is the IEEE CRC-32 (U-Boot's and barebox's crc32).
	CRC32 = Algorithm{"crc32", crc32.ChecksumIEEE}
	// PosixCksum is POSIX cksum's sum (RedBoot's cksum).
	PosixCksum = Algorithm{"posix-cksum", posixCksum}
)

// Algorithms are the checksums a bootloader may name, by name.
var Algorithms = map[string]Algorithm{CRC32.Name: CRC32, PosixCksum.Name: PosixCksum}

// posixCksum is a CRC-32 with the polynomial 0x04C11DB7 taken most
// significant bit first, over the data and then over its length (least
// significant byte first, as few bytes as it needs), inverted.
func posixCksum(data []byte) uint32 {
	crc := uint32(0)
	for _, b := range data {
		crc = cksumTable[byte(crc>>24)^b] ^ crc<<8
	}
	for n := uint64(len(data)); n != 0; n >>= 8 {
		crc = cksumTable[byte(crc>>24)^byte(n)] ^ crc<<8
	}
	return ^crc
}

var cksumTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&(1<<31) != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()
