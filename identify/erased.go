package identify

import (
	"fmt"
	"strings"
)

// erased lists the runs of 0xFF or 0x00 of at least minErased bytes in sp
// that lie outside the findings: the flash's unused space.
func (s *scanner) erased(sp span, found []Finding) ([]Finding, error) {
	var runs []Finding
	from := sp.off
	for _, f := range append(found, Finding{Offset: sp.end}) {
		if f.Offset > from {
			r, err := s.erasedRuns(span{from, f.Offset})
			if err != nil {
				return nil, err
			}
			runs = append(runs, r...)
		}
		from = max(from, f.End())
	}
	return runs, nil
}

func (s *scanner) erasedRuns(sp span) ([]Finding, error) {
	var runs []Finding
	runStart, runByte := int64(-1), byte(0)
	// A gap that is one run and ends on a 4 KiB boundary, or with the
	// image, is erased whatever its length: the rest of an erase block
	// after an image.
	whole := sp.end%4096 == 0 || sp.end == s.size
	flush := func(end int64) {
		if runStart >= 0 && (end-runStart >= s.minErased || whole && runStart == sp.off && end == sp.end) {
			runs = append(runs, erasedFinding(runStart, end, runByte))
		}
		runStart = -1
	}
	buf := make([]byte, window)
	for start := sp.off; start < sp.end; start += window {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		b := buf[:min(window, sp.end-start)]
		if err := readAt(s.r, b, start); err != nil {
			return nil, err
		}
		for i, c := range b {
			if runStart >= 0 && c == runByte {
				continue
			}
			flush(start + int64(i))
			if c == 0xFF || c == 0x00 {
				runStart, runByte = start+int64(i), c
			}
		}
	}
	flush(sp.end)
	return runs, nil
}

func erasedFinding(off, end int64, b byte) Finding {
	f := Finding{Offset: off, Length: end - off, Type: "erased", Verdict: OK}
	f.Summary = fmt.Sprintf("%s of 0x%02X", size(end-off), b)
	f.add("byte", "0x%02X", b)
	return f
}

// size prints a byte count the way people read it.
func size(n int64) string {
	var s string
	switch {
	case n >= 1<<20:
		s = fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		s = fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
	return strings.Replace(s, ".0 ", " ", 1) // 64 KiB, not 64.0 KiB
}
