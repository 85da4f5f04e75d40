package identify

import (
	"fmt"
	"strconv"
	"strings"
)

// Partition is one entry of an mtdparts table found in an environment.
type Partition struct {
	Device   string `json:"device"`
	Name     string `json:"name"`
	Offset   int64  `json:"offset"`
	Size     int64  `json:"size"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// partitionsFrom reads the mtdparts table (from the mtdparts variable or
// the kernel's bootargs) of the first good environment found. The table's
// offsets are taken as offsets in the image: the image is the whole flash.
func partitionsFrom(found []Finding, size int64) []Partition {
	for _, f := range found {
		if f.Type != "uboot-env" || f.Verdict != OK {
			continue
		}
		spec := f.Detail("var mtdparts")
		if spec == "" {
			for _, arg := range strings.Fields(f.Detail("var bootargs")) {
				if v, ok := strings.CutPrefix(arg, "mtdparts="); ok {
					spec = v
				}
			}
		}
		spec = strings.TrimPrefix(spec, "mtdparts=")
		if parts, err := ParseMtdparts(spec, size); err == nil && len(parts) > 0 {
			return parts
		}
	}
	return nil
}

// ParseMtdparts parses the first device of a Linux mtdparts specification,
// "id:size[@offset](name)[ro],...", where size "-" takes the rest of total.
func ParseMtdparts(spec string, total int64) ([]Partition, error) {
	dev, list, ok := strings.Cut(strings.Split(spec, ";")[0], ":")
	if !ok {
		return nil, fmt.Errorf("mtdparts %q: no device id", spec)
	}
	var parts []Partition
	next := int64(0)
	for _, def := range strings.Split(list, ",") {
		p := Partition{Device: dev, Offset: next}
		sizeText, rest, _ := strings.Cut(def, "(")
		name, flags, ok := strings.Cut(rest, ")")
		if !ok {
			return nil, fmt.Errorf("mtdparts %q: partition %q has no name", spec, def)
		}
		p.Name = name
		p.ReadOnly = strings.Contains(flags, "ro")
		sizeText, offText, hasOff := strings.Cut(sizeText, "@")
		if hasOff {
			off, err := mtdNumber(offText)
			if err != nil {
				return nil, fmt.Errorf("mtdparts %q: %w", spec, err)
			}
			p.Offset = off
		}
		if sizeText == "-" {
			p.Size = total - p.Offset
		} else {
			n, err := mtdNumber(sizeText)
			if err != nil {
				return nil, fmt.Errorf("mtdparts %q: %w", spec, err)
			}
			p.Size = n
		}
		next = p.Offset + p.Size
		parts = append(parts, p)
	}
	return parts, nil
}

// mtdNumber reads a size as the kernel's memparse does: decimal or 0x hex,
// with an optional k, m or g suffix.
func mtdNumber(s string) (int64, error) {
	mult := int64(1)
	switch strings.ToLower(s[len(s)-min(1, len(s)):]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// label names the partition each top-level finding starts in.
func label(found []Finding, parts []Partition) {
	for i := range found {
		for _, p := range parts {
			if found[i].Offset >= p.Offset && found[i].Offset < p.Offset+p.Size {
				found[i].Partition = p.Name
			}
		}
	}
}
