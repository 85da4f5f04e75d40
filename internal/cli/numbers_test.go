package cli

import (
	"strconv"
	"testing"
)

func TestParseNumber(t *testing.T) {
	good := map[string]uint64{
		"0x04000000": 0x04000000, "65536": 65536, "64K": 64 << 10, "64k": 64 << 10, "2M": 2 << 20,
		"1G": 1 << 30, "0x10K": 16 << 10, "64Ki": 64 << 10, "0": 0, "0xffffffffffffffff": ^uint64(0),
		"1MiB": 1 << 20, "1.5M": 3 << 19, "64KiB": 64 << 10, "2MB": 2 << 20, "0.5K": 512, "0xB": 11, "0xbK": 11 << 10,
	}
	for s, want := range good {
		if got, err := parseNumber(s); err != nil || got != want {
			t.Errorf("%q: got %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "K", "0x", "12Q", "-1", "0x0400zz00", "99999999999999999999", "17179869184G", "1.1K", "1.5", "0x1.8M", "M", "MiB"} {
		if v, err := parseNumber(s); err == nil {
			t.Errorf("%q accepted as %d", s, v)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0x04000000", "64K", "2M", "1G", "12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseNumber(s)
		if err != nil {
			return
		}
		if back, err := parseNumber(strconv.FormatUint(v, 10)); err != nil || back != v {
			t.Fatalf("%q is %d, which does not read back", s, v)
		}
	})
}

func TestUnescape(t *testing.T) {
	if b, err := unescape(`\x03`); err != nil || string(b) != "\x03" {
		t.Fatalf("got %q %v", b, err)
	}
	if b, err := unescape(`tpl`); err != nil || string(b) != "tpl" {
		t.Fatalf("got %q %v", b, err)
	}
	for _, s := range []string{`\x`, `\x0`, `\q03`, ``, `\xzz`} {
		if b, err := unescape(s); err == nil {
			t.Errorf("%q accepted as %q", s, b)
		}
	}
}
