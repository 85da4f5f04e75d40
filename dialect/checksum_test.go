package dialect

import "testing"

// PosixCksum agrees with coreutils' cksum (values taken from it).
func TestPosixCksum(t *testing.T) {
	seq := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	for _, c := range []struct {
		data []byte
		want uint32
	}{{nil, 4294967295}, {seq, 3533132088}, {[]byte("123456789"), 930766865}} {
		if got := PosixCksum.Sum(c.data); got != c.want {
			t.Errorf("PosixCksum(%q) = %d, want %d", c.data, got, c.want)
		}
	}
}
