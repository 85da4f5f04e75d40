package profile

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/bootdump/bootdump/dialect"
)

// lsLine is one line of the Winbond loader's LS:
// "Image: 3 name:romfs.img base:0x7f0e0000 size:0x000c3c00 exec:0x7f0e0000 -a".
var lsLine = regexp.MustCompile(`^Image:\s*(\d+) name:(\S+) base:0x([0-9a-fA-F]{1,8}) size:0x([0-9a-fA-F]{1,8}) exec:0x([0-9a-fA-F]{1,8}) -(\w*)`)

// ParseImageTable reads LS output; lines that are not image entries are
// ignored.
func ParseImageTable(lines []string) []dialect.Image {
	var out []dialect.Image
	for _, l := range lines {
		m := lsLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[1])
		hex := func(s string) uint64 { v, _ := strconv.ParseUint(s, 16, 64); return v }
		out = append(out, dialect.Image{Num: num, Name: m[2], Base: hex(m[3]), Size: hex(m[4]), Exec: hex(m[5]), Flags: m[6]})
	}
	return out
}

// Images asks the bootloader for its image table.
func (s *Session) Images(ctx context.Context) ([]dialect.Image, error) {
	if s.p.ImageTable == "" {
		return nil, fmt.Errorf("%s keeps no image table: %w", s.p.Name, dialect.ErrUnsupported)
	}
	lines, err := s.con.Output(ctx, s.p.ImageTable)
	if err != nil {
		return nil, err
	}
	return ParseImageTable(lines), nil
}
