package winbond

import (
	"encoding/binary"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/hexdump"
)

const esc = 0x1b

// Profile is the Winbond/Nuvoton W90P710 boot loader of the seed's camera:
// D shows 256 bytes a call; -s prints units in memory order. It has no
// checksum command, so every chunk is read twice.
func Profile() *profile.Profile {
	return &profile.Profile{
		Name:     "winbond",
		Prompts:  []string{"bootloader > ", "bootrom > "},
		Autoboot: []console.Autoboot{{Marker: "Press ESC to enter debug mode", Keys: []byte{esc}}},
		Banners:  []string{"Boot Loader [ Version", "ERROR: unrecognised command", "Press ESC to enter debug mode"},
		Settle:   []byte{console.CtrlC},
		Wake:     []byte{'\r'},
		Reads: profile.Widths("D {flag} -s 0x{addr}", map[int]string{4: "-w", 2: "-h", 1: "-b"},
			func(w int, _ binary.ByteOrder) hexdump.LineParser { return hexdump.Winbond(w) }),
		Order:   binary.BigEndian,
		PerCall: 256,
		Align:   4,
		Skip:    []string{"Displaying memory at"},
		Errors:  []string{"ERROR:"},

		ImageTable: "LS",
	}
}
