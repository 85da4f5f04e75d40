package redboot

import (
	"encoding/binary"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/hexdump"
)

// Profile is eCos's RedBoot: dump -b ADDR -l LEN [-1|-2|-4], and cksum,
// a POSIX cksum of a range.
func Profile() *profile.Profile {
	var reads []profile.Read
	for _, w := range []struct {
		width int
		flag  string
	}{{4, "-4"}, {2, "-2"}, {1, "-1"}} {
		width := w.width
		reads = append(reads, profile.Read{Width: width, Command: "dump -b 0x{addr} -l 0x{len} " + w.flag,
			Line: func(o binary.ByteOrder) hexdump.LineParser { return hexdump.RedBoot(width, o) }})
	}
	return &profile.Profile{
		Name:     "redboot",
		Prompts:  []string{"RedBoot> "},
		Autoboot: []console.Autoboot{{Marker: "enter ^C to abort", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"RedBoot(tm)"},
		Wake:     []byte{'\r'},
		Reads:    reads,
		Align:    1,
		Errors:   []string{"** Error", "usage:"},
		Checksum: &profile.Checksum{Name: "cksum", Command: "cksum -b 0x{addr} -l 0x{len}",
			Result: regexp.MustCompile(`^POSIX cksum = (?P<sum>\d+) `), Sum: profile.PosixCksum},
		Version: "version",
	}
}
