package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Image is one entry of the Winbond boot loader's image table (LS).
type Image struct {
	Num              int
	Name             string
	Base, Size, Exec uint64
	Flags            string // a active, c copy to RAM, x executable, f file system, z compressed
}

// ParseImages reads an image table written NAME@BASE+SIZE[:FLAGS], comma
// separated; images are numbered from 1 in that order and execute at their
// base.
func ParseImages(spec string) ([]Image, error) {
	var out []Image
	for i, item := range strings.Split(spec, ",") {
		if item == "" {
			continue
		}
		name, rest, ok1 := strings.Cut(item, "@")
		where, flags, _ := strings.Cut(rest, ":")
		// In a sim: port's query a + arrives as a space.
		base, size, ok2 := strings.Cut(strings.Replace(where, " ", "+", 1), "+")
		b, err1 := strconv.ParseUint(base, 0, 64)
		n, err2 := strconv.ParseUint(size, 0, 64)
		if !ok1 || !ok2 || name == "" || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("image %q: write NAME@BASE+SIZE[:FLAGS], e.g. romfs.img@0x7F0E0000+0xC3C00:af", item)
		}
		out = append(out, Image{Num: i + 1, Name: name, Base: b, Size: n, Exec: b, Flags: flags})
	}
	return out, nil
}
