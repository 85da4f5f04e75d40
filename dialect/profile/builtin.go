package profile

import (
	"encoding/binary"
	"hash/crc32"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/hexdump"
)

const esc = 0x1b

// Winbond is the Winbond/Nuvoton W90P710 boot loader of the seed's camera:
// D shows 256 bytes a call; -s prints units in memory order. It has no
// checksum command, so every chunk is read twice.
func Winbond() *Profile {
	reads := []Read{}
	for _, w := range []struct {
		width int
		flag  string
	}{{4, "-w"}, {2, "-h"}, {1, "-b"}} {
		width := w.width
		reads = append(reads, Read{Width: width, Command: "D " + w.flag + " -s 0x{addr}",
			Line: func(binary.ByteOrder) hexdump.LineParser { return hexdump.Winbond(width) }})
	}
	return &Profile{
		Name:     "winbond",
		Prompts:  []string{"bootloader > ", "bootrom > "},
		Autoboot: []console.Autoboot{{Marker: "Press ESC to enter debug mode", Keys: []byte{esc}}},
		Banners:  []string{"Boot Loader [ Version", "ERROR: unrecognised command", "Press ESC to enter debug mode"},
		Settle:   []byte{console.CtrlC},
		Wake:     []byte{'\r'},
		Reads:    reads,
		Order:    binary.BigEndian,
		PerCall:  256,
		Align:    4,
		Skip:     []string{"Displaying memory at"},
		Errors:   []string{"ERROR:"},

		ImageTable: "LS",
	}
}

// CFE is Broadcom's Common Firmware Environment: d [-b|-h|-w|-q] ADDR LEN,
// every command ending in "*** command status = N".
func CFE() *Profile {
	var reads []Read
	for _, w := range []struct {
		width int
		flag  string
	}{{8, "-q"}, {4, "-w"}, {2, "-h"}, {1, "-b"}} {
		width := w.width
		reads = append(reads, Read{Width: width, Command: "d " + w.flag + " 0x{addr} 0x{len}",
			Line: func(o binary.ByteOrder) hexdump.LineParser { return hexdump.CFE(width, o) }})
	}
	return &Profile{
		Name:     "cfe",
		Prompts:  []string{"CFE> "},
		Autoboot: []console.Autoboot{{Marker: "Press any key to stop auto run", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"CFE version", "*** command status", "Broadcom Corporation"},
		Wake:     []byte{'\r'},
		Reads:    reads,
		Align:    1,
		Errors:   []string{"Invalid command", "Usage:", "Invalid argument"},
		Status:   regexp.MustCompile(`^\*\*\* command status = (-?\d+)`),
	}
}

// RedBoot is eCos's RedBoot: dump -b ADDR -l LEN [-1|-2|-4], and cksum,
// a POSIX cksum of a range.
func RedBoot() *Profile {
	var reads []Read
	for _, w := range []struct {
		width int
		flag  string
	}{{4, "-4"}, {2, "-2"}, {1, "-1"}} {
		width := w.width
		reads = append(reads, Read{Width: width, Command: "dump -b 0x{addr} -l 0x{len} " + w.flag,
			Line: func(o binary.ByteOrder) hexdump.LineParser { return hexdump.RedBoot(width, o) }})
	}
	return &Profile{
		Name:     "redboot",
		Prompts:  []string{"RedBoot> "},
		Autoboot: []console.Autoboot{{Marker: "enter ^C to abort", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"RedBoot(tm)"},
		Wake:     []byte{'\r'},
		Reads:    reads,
		Align:    1,
		Errors:   []string{"** Error", "usage:"},
		Checksum: &Checksum{Name: "cksum", Command: "cksum -b 0x{addr} -l 0x{len}",
			Result: regexp.MustCompile(`^POSIX cksum = (?P<sum>\d+) `), Sum: PosixCksum},
		Version: "version",
	}
}

// Barebox is barebox: md [-b|-w|-l|-q] START+SIZE and crc32 START+SIZE.
func Barebox() *Profile {
	var reads []Read
	for _, w := range []struct {
		width int
		flag  string
	}{{8, "-q"}, {4, "-l"}, {2, "-w"}, {1, "-b"}} {
		width := w.width
		reads = append(reads, Read{Width: width, Command: "md " + w.flag + " 0x{addr}+0x{len}",
			Line: func(o binary.ByteOrder) hexdump.LineParser { return hexdump.Barebox(width, o) }})
	}
	return &Profile{
		Name:     "barebox",
		Prompts:  nil, // barebox@BOARD:/ : learned, recognised by its start
		Autoboot: []console.Autoboot{{Marker: "to stop autoboot", Keys: []byte{console.CtrlC}}},
		Banners:  []string{"barebox 20", "barebox@"},
		Wake:     []byte{'\r'},
		Reads:    reads,
		Align:    1,
		Errors:   []string{"No such file or directory", "invalid area", "Usage:"},
		Checksum: &Checksum{Name: "crc32", Command: "crc32 0x{addr}+0x{len}",
			Result: regexp.MustCompile(`^CRC32 for \S+ 0x[0-9a-f]+ \.\.\. 0x[0-9a-f]+ ==> (?P<sum>0x[0-9a-f]+)`), Sum: crc32.ChecksumIEEE},
		Version: "version",
	}
}

// Builtin returns the built-in profile of that name, or nil.
func Builtin(name string) *Profile {
	switch name {
	case "winbond":
		return Winbond()
	case "cfe":
		return CFE()
	case "redboot":
		return RedBoot()
	case "barebox":
		return Barebox()
	}
	return nil
}

// Names are the built-in profiles.
var Names = []string{"winbond", "cfe", "redboot", "barebox"}
