package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseNumber reads 0x hex, decimal, and K/M/G (binary) suffixes, as
// bootdump prints sizes too: "0x04000000", "65536", "64K", "2M", "0x10K",
// "1MiB", "1.5M" (a whole number of bytes).
func parseNumber(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	low := strings.ToLower(t)
	shift := 0
	for _, u := range units {
		// After hex digits only the bare letter: B is a digit there.
		if strings.HasSuffix(low, u.suffix) && len(t) > len(u.suffix) && (!strings.HasPrefix(low, "0x") || len(u.suffix) == 1) {
			t, shift = t[:len(t)-len(u.suffix)], u.shift
			break
		}
	}
	notNumber := fmt.Errorf("%q is not a number (use 0x hex, decimal, or a K/M/G suffix such as 64K or 1.5M)", s)
	if whole, frac, ok := strings.Cut(t, "."); ok && shift > 0 {
		// 1.5M: decimal only, and a whole number of bytes in the end
		w, err1 := strconv.ParseUint(whole, 10, 64)
		f, err2 := strconv.ParseUint(frac, 10, 64)
		if err1 != nil || err2 != nil || len(frac) > 9 {
			return 0, notNumber
		}
		den := uint64(1)
		for range len(frac) {
			den *= 10
		}
		if w > (^uint64(0))>>shift || (f<<shift)%den != 0 {
			return 0, fmt.Errorf("%q is not a whole number of bytes", s)
		}
		return w<<shift + (f<<shift)/den, nil
	}
	v, err := strconv.ParseUint(t, 0, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is too large: addresses and sizes go up to 0xffffffffffffffff", s)
	case err != nil || t == "":
		return 0, notNumber
	case shift > 0 && v > (^uint64(0))>>shift:
		return 0, fmt.Errorf("%q is too large: addresses and sizes go up to 0xffffffffffffffff", s)
	}
	return v << shift, nil
}

// units are the size suffixes, longest first.
var units = []struct {
	suffix string
	shift  int
}{
	{"kib", 10}, {"mib", 20}, {"gib", 30}, {"ki", 10}, {"mi", 20}, {"gi", 30},
	{"kb", 10}, {"mb", 20}, {"gb", 30}, {"k", 10}, {"m", 20}, {"g", 30},
}

// numberFlag is a pflag.Value for such numbers.
type numberFlag struct {
	v   *uint64
	set bool
	all *bool // when not nil, "all" is accepted and sets it
}

func (n *numberFlag) String() string {
	if n.v == nil || !n.set {
		return ""
	}
	return fmt.Sprintf("%#x", *n.v)
}

func (n *numberFlag) Set(s string) error {
	if n.all != nil && s == "all" {
		*n.all = true
		return nil
	}
	v, err := parseNumber(s)
	if err != nil {
		return err
	}
	*n.v, n.set = v, true
	return nil
}

func (n *numberFlag) Type() string { return "number" }
