package profile

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/bootdump/bootdump/dialect"
)

// Image is one entry of a bootloader's image table (the Winbond loader's LS).
type Image struct {
	Num   int    `json:"num"`
	Name  string `json:"name"`
	Base  uint64 `json:"base"`
	Size  uint64 `json:"size"`
	Exec  uint64 `json:"exec"`
	Flags string `json:"flags"` // a active, c copy to RAM, x executable, f file system, z compressed
}

// lsLine is one line of the Winbond loader's LS:
// "Image: 3 name:romfs.img base:0x7f0e0000 size:0x000c3c00 exec:0x7f0e0000 -a".
var lsLine = regexp.MustCompile(`^Image:\s*(\d+) name:(\S+) base:0x([0-9a-fA-F]{1,8}) size:0x([0-9a-fA-F]{1,8}) exec:0x([0-9a-fA-F]{1,8}) -(\w*)`)

// ParseImageTable reads LS output; lines that are not image entries are
// ignored.
func ParseImageTable(lines []string) []Image {
	var out []Image
	for _, l := range lines {
		m := lsLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[1])
		hex := func(s string) uint64 { v, _ := strconv.ParseUint(s, 16, 64); return v }
		out = append(out, Image{Num: num, Name: m[2], Base: hex(m[3]), Size: hex(m[4]), Exec: hex(m[5]), Flags: m[6]})
	}
	return out
}

// Images asks the bootloader for its image table.
func (s *Session) Images(ctx context.Context) ([]Image, error) {
	if s.p.ImageTable == "" {
		return nil, fmt.Errorf("%s keeps no image table: %w", s.p.Name, dialect.ErrUnsupported)
	}
	lines, err := s.con.Output(ctx, s.p.ImageTable)
	if err != nil {
		return nil, err
	}
	return ParseImageTable(lines), nil
}
