package uboot

import (
	"fmt"
	"testing"
)

func TestParseCRC32(t *testing.T) {
	cases := []struct {
		line     string
		from, to uint64
		sum      uint32
		ok       bool
	}{
		{"crc32 for 04000000 ... 04000fff ==> 2e0cea5c", 0x04000000, 0x04000fff, 0x2e0cea5c, true},
		{"CRC32 for 80000000 ... 8000ffff ==> DEAB7E4E", 0x80000000, 0x8000ffff, 0xdeab7e4e, true},
		{"crc32 for 0000000100000000 ... 00000001000fffff ==> 00000000", 1 << 32, 1<<32 + 0xfffff, 0, true},
		{"crc32 - checksum calculation", 0, 0, 0, false},
		{"Unknown command 'crc32' - try 'help'", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, c := range cases {
		from, to, sum, ok := parseCRC32(c.line)
		if ok != c.ok || from != c.from || to != c.to || sum != c.sum {
			t.Errorf("%q: got %x %x %x %v", c.line, from, to, sum, ok)
		}
	}
}

func FuzzParseCRC32(f *testing.F) {
	f.Add("crc32 for 04000000 ... 04000fff ==> 2e0cea5c")
	f.Add("CRC32 for 80000000 ... 8000ffff ==> DEAB7E4E")
	f.Fuzz(func(t *testing.T, line string) {
		from, to, sum, ok := parseCRC32(line)
		if !ok {
			return
		}
		// What parses must parse the same from its canonical form.
		canon := fmt.Sprintf("crc32 for %08x ... %08x ==> %08x", from, to, sum)
		f2, t2, s2, ok2 := parseCRC32(canon)
		if !ok2 || f2 != from || t2 != to || s2 != sum {
			t.Fatalf("%q parsed as %x %x %x, but %q does not", line, from, to, sum, canon)
		}
	})
}
