// Package words writes numbers as people read them, the same in the
// library's messages and the command line's.
package words

import (
	"fmt"
	"strings"
)

// Size is a size as people read it: 512 bytes, 64 KiB, 1.5 MiB.
func Size(n uint64) string {
	switch {
	case n >= 1<<30:
		return trimZero(fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)))
	case n >= 1<<20:
		return trimZero(fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)))
	case n >= 1<<10:
		return trimZero(fmt.Sprintf("%.1f KiB", float64(n)/(1<<10)))
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(s string) string { return strings.Replace(s, ".0 ", " ", 1) }

// HexList is addresses or offsets in hex, comma-separated.
func HexList(vs []uint64) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, ", ")
}

// Plural counts things in words: 1 chunk, 2 chunks, 3 retries.
func Plural(n int, thing string) string {
	switch {
	case n == 1:
		return "1 " + thing
	case strings.HasSuffix(thing, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
