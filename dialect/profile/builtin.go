package profile

import (
	"encoding/binary"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/hexdump"
)

// The bootloaders bootdump knows that a profile describes in full, each
// from its sources and boot logs (see formats in package hexdump).

const esc = 0x1b

// Winbond is the Winbond/Nuvoton W90P710 boot loader of the seed's camera:
// D shows 256 bytes a call; -s prints units in memory order. It has no
// checksum command, so every chunk is read twice; LS lists its images.
func Winbond() *Profile {
	return &Profile{
		Name:  "winbond",
		Title: "the Winbond loader",
		Traits: console.Traits{
			Prompts:  []string{"bootloader > ", "bootrom > "},
			Autoboot: []console.Autoboot{{Marker: "Press ESC to enter debug mode", Keys: []byte{esc}}},
			Resets:   []string{"Boot Loader [ Version"},
			Wake:     []byte{'\r'},
			// Its XMODEM reads a block's 132 bytes before it looks for a
			// CAN, and never gives up by itself.
			Cancels: 134,
		},
		Banners: []string{"Boot Loader [ Version", "ERROR: unrecognised command", "Press ESC to enter debug mode"},
		Settle:  []byte{'\r'},
		Reads: Widths("D {flag} -s 0x{addr}", map[int]string{4: "-w", 2: "-h", 1: "-b"},
			func(w int, _ binary.ByteOrder) dialect.LineParser { return hexdump.Winbond(w) }),
		Order:   binary.BigEndian,
		PerCall: 256,
		Align:   4,
		Skip:    []string{"Displaying memory at"},
		Errors:  []string{"ERROR:"},

		ImageTable: "LS",
		Writes:     winbondWrites,
		// B moves its UART (up to 460800): --fast-baud.
		Baud: &BaudSwitch{Command: "B {baud}", Rates: []int{9600, 19200, 38400, 57600, 115200, 230400, 460800}},
	}
}

// CFE is Broadcom's Common Firmware Environment: d [-b|-h|-w|-q] ADDR LEN,
// every command ending in "*** command status = N".
func CFE() *Profile {
	return &Profile{
		Name:  "cfe",
		Title: "Broadcom CFE",
		Traits: console.Traits{
			Prompts:  []string{"CFE> "},
			Autoboot: []console.Autoboot{{Marker: "Press any key to stop auto run", Keys: []byte{console.CtrlC}}},
			Resets:   []string{"CFE version"},
			Wake:     []byte{'\r'},
		},
		Banners: []string{"CFE version", "*** command status", "Broadcom Corporation"},
		Reads: Widths("d {flag} 0x{addr} 0x{len}", map[int]string{8: "-q", 4: "-w", 2: "-h", 1: "-b"},
			func(w int, o binary.ByteOrder) dialect.LineParser { return hexdump.CFE(w, o) }),
		Align:  1,
		Errors: []string{"Invalid command", "Usage:", "Invalid argument"},
		Status: regexp.MustCompile(`^\*\*\* command status = (-?\d+)`),
	}
}

// RedBoot is eCos's RedBoot: dump -b ADDR -l LEN [-1|-2|-4], and cksum, a
// POSIX cksum of a range.
func RedBoot() *Profile {
	return &Profile{
		Name:  "redboot",
		Title: "RedBoot",
		Traits: console.Traits{
			Prompts:  []string{"RedBoot> "},
			Autoboot: []console.Autoboot{{Marker: "enter ^C to abort", Keys: []byte{console.CtrlC}}},
			Resets:   []string{"RedBoot(tm) bootstrap"},
			Wake:     []byte{'\r'},
		},
		Banners: []string{"RedBoot(tm)"},
		Reads: Widths("dump -b 0x{addr} -l 0x{len} {flag}", map[int]string{4: "-4", 2: "-2", 1: "-1"},
			func(w int, o binary.ByteOrder) dialect.LineParser { return hexdump.RedBoot(w, o) }),
		Align:  1,
		Errors: []string{"** Error", "usage:"},
		Checksum: &Checksum{Command: "cksum -b 0x{addr} -l 0x{len}",
			Result: regexp.MustCompile(`^POSIX cksum = (?P<sum>\d+) `), Algorithm: dialect.PosixCksum},
		Version: "version",
	}
}

// Barebox is barebox: md [-b|-w|-l|-q] START+SIZE and crc32 START+SIZE.
func Barebox() *Profile {
	return &Profile{
		Name:  "barebox",
		Title: "barebox",
		Traits: console.Traits{
			Prompts:  nil, // barebox@BOARD:/ : learned, recognised by its start
			Autoboot: []console.Autoboot{{Marker: "to stop autoboot", Keys: []byte{console.CtrlC}}},
			Resets:   []string{"barebox 20"},
			Wake:     []byte{'\r'},
		},
		Banners: []string{"barebox 20", "barebox@"},
		Reads: Widths("md {flag} 0x{addr}+0x{len}", map[int]string{8: "-q", 4: "-l", 2: "-w", 1: "-b"},
			func(w int, o binary.ByteOrder) dialect.LineParser { return hexdump.Barebox(w, o) }),
		Align:  1,
		Errors: []string{"No such file or directory", "invalid area", "Usage:"},
		Checksum: &Checksum{Command: "crc32 0x{addr}+0x{len}",
			Result:    regexp.MustCompile(`^CRC32 for \S+ 0x[0-9a-f]+ \.\.\. 0x[0-9a-f]+ ==> (?P<sum>0x[0-9a-f]+)`),
			Algorithm: dialect.CRC32},
		Version: "version",
	}
}
