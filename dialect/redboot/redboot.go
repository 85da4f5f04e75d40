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
	return &profile.Profile{
		Name:     "redboot",
		Prompts:  []string{"RedBoot> "},
		Autoboot: []console.Autoboot{{Marker: "enter ^C to abort", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"RedBoot(tm)"},
		Wake:     []byte{'\r'},
		Reads: profile.Widths("dump -b 0x{addr} -l 0x{len} {flag}", map[int]string{4: "-4", 2: "-2", 1: "-1"},
			func(w int, o binary.ByteOrder) hexdump.LineParser { return hexdump.RedBoot(w, o) }),
		Align:  1,
		Errors: []string{"** Error", "usage:"},
		Checksum: &profile.Checksum{Name: "cksum", Command: "cksum -b 0x{addr} -l 0x{len}",
			Result: regexp.MustCompile(`^POSIX cksum = (?P<sum>\d+) `), Sum: profile.PosixCksum},
		Version: "version",
	}
}
