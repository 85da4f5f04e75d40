package profile

import (
	"encoding/binary"
	"regexp"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/hexdump"
)

// The firmware consoles of desktops and servers: Open Firmware (IEEE
// 1275: OpenBIOS, SLOF) and the UEFI Shell (EDK2's ShellPkg). Their
// consoles are terminals: the UEFI Shell colours its prompt and places
// every echoed key, SLOF saves and restores the cursor around its echo;
// package terminal shows the console what a screen would.

// forthSum is the checksum typed as one line of Forth (IEEE 1275 lets
// do/loop run at the prompt): djb2 of the range, masked to 32 bits for
// 64-bit cells, printed in hex, Open Firmware's base.
const forthSum = "1505 {addr} {len} bounds do 21 * i c@ + loop ffffffff and u."

// forthOK is what Open Firmware prints after a command that worked.
const forthOK = " ok"

func forthTraits(resets ...string) console.Traits {
	return console.Traits{
		// The prompt shows the stack's depth: 0 when it is empty, as
		// bootdump leaves it.
		Prompts: []string{"0 > "},
		Resets:  resets,
		// An empty line answers " ok" and the prompt.
		Wake: []byte{'\r'},
	}
}

func pattern(expr string) func(binary.ByteOrder) dialect.LineParser {
	p, err := hexdump.NewPattern(expr, 1, binary.BigEndian)
	if err != nil {
		panic(err)
	}
	return func(binary.ByteOrder) dialect.LineParser { return p }
}

// OpenBIOS is Open Firmware on QEMU's PowerPC Macs (and SPARC): its dump
// (forth/bootstrap/bootstrap.fs) prints each line's address with u. (no
// leading zeros, a space), 16 bytes with an extra space after the 8th,
// three spaces and the bytes themselves, those below 0x20 as dots.
func OpenBIOS() *Profile {
	return &Profile{
		Name:    "openbios",
		Title:   "OpenBIOS",
		Traits:  forthTraits("Welcome to OpenBIOS", ">> OpenBIOS"),
		Banners: []string{"OpenBIOS", ": undefined word."},
		Settle:  []byte{'\r'},
		Reads: []Read{{Width: 1, Command: "{addr} {len} dump",
			Line: pattern(`^(?P<address>[0-9a-f]{1,16})  (?P<data>(?:[0-9a-f]{2} ){8} (?:[0-9a-f]{2} ){8})  `)}},
		Order:  binary.BigEndian,
		Align:  1,
		Errors: []string{"undefined word", "exception"},
		Ack:    forthOK,
		Checksum: &Checksum{Command: forthSum, Result: regexp.MustCompile(`^(?P<sum>[0-9a-f]{1,8})\s*$`),
			Hex: true, Algorithm: dialect.DJB2},
		AddrBits: 32,
	}
}

// SLOF is IBM's Slim-Line Open Firmware, QEMU's pseries firmware: its dump
// (slof/fs/dump.fs) prints each line from an address rounded down to 16,
// eight digits at least, a colon, 16 bytes, two spaces and the bytes from
// 0x20 to 0x7e as themselves, others as dots; the command's " ok" ends the
// last line.
func SLOF() *Profile {
	return &Profile{
		Name:    "slof",
		Title:   "SLOF",
		Traits:  forthTraits("SLOF"),
		Banners: []string{"SLOF", "Welcome to Open Firmware", " Undefined word"},
		Settle:  []byte{'\r'},
		Reads: []Read{{Width: 1, Command: "{addr} {len} dump",
			Line: pattern(`^(?P<address>[0-9a-f]{8,16}):(?P<data>(?: [0-9a-f]{2}){16})  (?P<ascii>.{16})$`)}},
		Order:  binary.BigEndian,
		Align:  16,
		Errors: []string{"Undefined word", "exception"},
		Ack:    forthOK,
		Checksum: &Checksum{Command: forthSum, Result: regexp.MustCompile(`^(?P<sum>[0-9a-f]{1,8})\s*$`),
			Hex: true, Algorithm: dialect.DJB2},
		AddrBits: 64,
	}
}

// UEFIShell is EDK2's UEFI Shell: dmem ADDR LEN (ShellPkg's
// UefiShellDebug1CommandsLib) prints "Memory Address ADDR LEN Bytes" and
// lines of 16 bytes, indented two spaces, the address in at least eight
// upper-case digits and a colon, bytes with a dash after the 8th, and the
// characters between asterisks. It has no checksum command.
func UEFIShell() *Profile {
	return &Profile{
		Name:  "uefi-shell",
		Title: "the UEFI Shell",
		Traits: console.Traits{
			Prompts: []string{"Shell> "},
			// Any key skips startup.nsh; ESC also skips the script.
			Autoboot: []console.Autoboot{{Marker: "to skip startup.nsh", Keys: []byte{esc}}},
			Resets:   []string{"UEFI Interactive Shell"},
			Wake:     []byte{'\r'},
		},
		Banners: []string{"UEFI Interactive Shell", "EDK II"},
		Reads: []Read{{Width: 1, Command: "dmem 0x{addr} 0x{len}",
			Line: pattern(`^  (?P<address>[0-9A-F]{8,16}): (?P<data>(?:[0-9A-F]{2}[ -]){15}[0-9A-F]{2})  \*`)}},
		Order:    binary.BigEndian,
		Align:    16,
		Skip:     []string{"Memory Address "},
		Errors:   []string{"is not recognized", "Invalid", "Error"},
		Version:  "ver",
		AddrBits: 64,
	}
}
