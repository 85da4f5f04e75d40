package barebox

import (
	"encoding/binary"
	"hash/crc32"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/hexdump"
)

// Profile is barebox: md [-b|-w|-l|-q] START+SIZE and crc32 START+SIZE.
func Profile() *profile.Profile {
	return &profile.Profile{
		Name:     "barebox",
		Prompts:  nil, // barebox@BOARD:/ : learned, recognised by its start
		Autoboot: []console.Autoboot{{Marker: "to stop autoboot", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"barebox 20", "barebox@"},
		Wake:     []byte{'\r'},
		Reads: profile.Widths("md {flag} 0x{addr}+0x{len}", map[int]string{8: "-q", 4: "-l", 2: "-w", 1: "-b"},
			func(w int, o binary.ByteOrder) hexdump.LineParser { return hexdump.Barebox(w, o) }),
		Align:  1,
		Errors: []string{"No such file or directory", "invalid area", "Usage:"},
		Checksum: &profile.Checksum{Name: "crc32", Command: "crc32 0x{addr}+0x{len}",
			Result: regexp.MustCompile(`^CRC32 for \S+ 0x[0-9a-f]+ \.\.\. 0x[0-9a-f]+ ==> (?P<sum>0x[0-9a-f]+)`), Sum: crc32.ChecksumIEEE},
		Version: "version",
	}
}
