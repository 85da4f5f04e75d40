package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// parseNumber reads 0x hex, decimal, and K/M/G (binary) suffixes:
// "0x04000000", "65536", "64K", "2M", "0x10K".
func parseNumber(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if n := len(t); n >= 2 && (t[n-1] == 'i' || t[n-1] == 'I') && strings.ContainsRune("kKmMgG", rune(t[n-2])) {
		t = t[:n-1] // 64Ki
	}
	shift := 0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		}
		if shift > 0 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseUint(t, 0, 64)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%q is not a number (use 0x hex, decimal, or a K/M/G suffix)", s)
	}
	if shift > 0 && v > (^uint64(0))>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return v << shift, nil
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
