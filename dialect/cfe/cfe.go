package cfe

import (
	"encoding/binary"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/hexdump"
)

// Profile is Broadcom's Common Firmware Environment: d [-b|-h|-w|-q] ADDR LEN,
// every command ending in "*** command status = N".
func Profile() *profile.Profile {
	return &profile.Profile{
		Name:     "cfe",
		Prompts:  []string{"CFE> "},
		Autoboot: []console.Autoboot{{Marker: "Press any key to stop auto run", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"CFE version", "*** command status", "Broadcom Corporation"},
		Wake:     []byte{'\r'},
		Reads: profile.Widths("d {flag} 0x{addr} 0x{len}", map[int]string{8: "-q", 4: "-w", 2: "-h", 1: "-b"},
			func(w int, o binary.ByteOrder) hexdump.LineParser { return hexdump.CFE(w, o) }),
		Align:  1,
		Errors: []string{"Invalid command", "Usage:", "Invalid argument"},
		Status: regexp.MustCompile(`^\*\*\* command status = (-?\d+)`),
	}
}
