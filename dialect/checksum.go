package dialect

import (
	"hash/crc32"
	"slices"
	"strings"
)

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

// DJB2 is Bernstein's hash, h = h*33 + byte from 5381, kept to 32 bits:
// what one short line of Forth computes on an Open Firmware console,
// which has no checksum word (and whose line editors take 80 characters).
var DJB2 = Algorithm{"djb2", djb2}

// Algorithms are the checksums a bootloader may name, by name.
var Algorithms = map[string]Algorithm{CRC32.Name: CRC32, PosixCksum.Name: PosixCksum, DJB2.Name: DJB2}

// AlgorithmNames lists the names Algorithms knows, for an error message.
func AlgorithmNames() string {
	names := make([]string, 0, len(Algorithms))
	for n := range Algorithms {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func djb2(data []byte) uint32 {
	h := uint32(5381)
	for _, b := range data {
		h = h*33 + uint32(b)
	}
	return h
}

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
