package identify

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
)

// Report is what Scan found in an image.
type Report struct {
	Size       int64       `json:"size"`
	Findings   []Finding   `json:"findings"`
	Unknown    []Gap       `json:"unknown"`              // what no finding covers, in order
	Partitions []Partition `json:"partitions,omitempty"` // from mtdparts in an environment found in the image
}

// Gap is a range of the image no detector recognised.
type Gap struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// Options tune Scan; the zero value scans with every detector.
type Options struct {
	Detectors []Detector // default Detectors()
	MinErased int64      // shortest run of 0xFF or 0x00 reported as erased; default 64 KiB
}

const (
	window   = 1 << 20 // bytes searched for magics at a time
	maxDepth = 4       // how deep findings nest
)

// Scan searches the size bytes of r for every format the detectors know.
// Findings do not overlap at one level; what lies inside a finding's payload
// is listed among its children.
func Scan(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Report, error) {
	s := scanner{ctx: ctx, r: r, size: size, detectors: opts.Detectors, minErased: opts.MinErased}
	if s.detectors == nil {
		s.detectors = Detectors()
	}
	if s.minErased <= 0 {
		s.minErased = 64 << 10
	}
	for i, d := range s.detectors {
		for _, m := range d.Magics() {
			s.magics = append(s.magics, magic{m, i})
			s.longestMagic = max(s.longestMagic, len(m))
		}
	}
	found, err := s.scan(span{0, size}, 0)
	if err != nil {
		return nil, err
	}
	erased, err := s.erased(span{0, size}, found)
	if err != nil {
		return nil, err
	}
	found = append(found, erased...)
	slices.SortFunc(found, func(a, b Finding) int { return cmp.Compare(a.Offset, b.Offset) })
	rep := &Report{Size: size, Findings: found, Unknown: gaps(found, size)}
	if rep.Findings == nil {
		rep.Findings = []Finding{} // JSON: [], never null
	}
	rep.Partitions = partitionsFrom(found, size)
	label(rep.Findings, rep.Partitions)
	return rep, nil
}

// gaps are the ranges of [0, size) the top-level findings leave.
func gaps(found []Finding, size int64) []Gap {
	out := []Gap{}
	at := int64(0)
	for _, f := range found {
		if f.Offset > at {
			out = append(out, Gap{at, f.Offset - at})
		}
		at = max(at, f.Offset+f.Length)
	}
	if size > at {
		out = append(out, Gap{at, size - at})
	}
	return out
}

type scanner struct {
	ctx          context.Context
	r            io.ReaderAt
	size         int64 // of the whole image
	detectors    []Detector
	minErased    int64
	magics       []magic // every detector's, asked once
	longestMagic int
}

type magic struct {
	bytes []byte
	det   int // index into detectors
}

type hit struct {
	off int64
	det int // index into detectors, so ties break in a fixed order
}

// scan finds what lies in sp, one window at a time, skipping the inside of
// each finding at this level (its payload is scanned for children instead).
func (s *scanner) scan(sp span, depth int) ([]Finding, error) {
	var found []Finding
	buf := make([]byte, window+s.longestMagic)
	next := sp.off // nothing before this offset starts a new finding
	for start := sp.off; start < sp.end; start += window {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if next >= start+window {
			continue
		}
		n := int(min(int64(len(buf)), sp.end-start))
		if err := readAt(s.r, buf[:n], start); err != nil {
			return nil, err
		}
		for _, h := range s.hits(buf[:n], start, min(window, n)) {
			if h.off < next {
				continue
			}
			f := s.detectors[h.det].Check(s.r, h.off, sp.end)
			if f != nil && f.Offset < next && f.End() > next {
				// found by a mark inside it (a bootloader's version string):
				// it starts where the finding before it ends
				f.Length, f.Offset = f.End()-next, next
			}
			if f == nil || f.Offset < next || f.Length <= 0 {
				continue
			}
			f.Length = min(f.Length, sp.end-f.Offset) // a finding never reaches past its parent
			if depth == 0 && f.Verdict == Damaged && f.whole > f.Length && f.End() == sp.end {
				// Cut short by the end of the file, not damaged: a dump
				// whose range ends inside it.
				f.Verdict = Cut
				f.Reason = fmt.Sprintf("the file ends %d bytes into it, of %d: the dump's range ends inside it (%d bytes more hold it whole)", f.Length, f.whole, f.whole-f.Length)
			}
			f.detector = s.detectors[h.det]
			if depth < maxDepth {
				for _, p := range f.payload {
					kids, err := s.scan(p, depth+1)
					if err != nil {
						return nil, err
					}
					f.Children = append(f.Children, kids...)
				}
			}
			found = append(found, *f)
			next = f.End()
		}
	}
	return found, nil
}

// hits lists where any magic starts in buf[:limit] (a magic may run on into
// the rest of buf), in offset order.
func (s *scanner) hits(buf []byte, base int64, limit int) []hit {
	var hs []hit
	for _, m := range s.magics {
		for at := 0; at < limit; {
			j := bytes.Index(buf[at:], m.bytes)
			if j < 0 || at+j >= limit {
				break
			}
			hs = append(hs, hit{base + int64(at+j), m.det})
			at += j + 1
		}
	}
	slices.SortFunc(hs, func(a, b hit) int {
		if a.off != b.off {
			return cmp.Compare(a.off, b.off)
		}
		return a.det - b.det
	})
	return hs
}
