package profile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Profile describes how a bootloader shows memory, as data: its prompt,
// how to stop its autoboot, its dump command and lines, and its checksum
// command if it has one.
type Profile struct {
	Name string
	// Title is the name as people spell it ("Broadcom CFE"); Name if empty.
	Title string
	// Traits are how its console behaves: its prompts as it prints them,
	// its countdown texts and the keys that stop them, what it prints when
	// it boots (in a command's output: the board reset), and Wake, sent
	// when Ctrl-C brings no prompt back (an empty line).
	console.Traits
	// Banners are texts of its boot banner or of its answer to "version"
	// that name this bootloader (auto-detection).
	Banners []string
	// Settle, when set, clears the line once the prompt is found (a CR:
	// the line runs and the prompt comes back): the Winbond line editor
	// keeps every key, Ctrl-C and stray stop keys included, and swallows
	// the key after an ESC.
	Settle []byte
	// Reads are the dump commands, one per unit width, widest first.
	Reads []Read
	// Order is the byte order units are printed in; nil when it is the
	// CPU's, learned by comparing a byte dump with a wider one.
	Order binary.ByteOrder
	// PerCall, when not 0, is what every dump command prints whatever is
	// asked: that many bytes from the address (the Winbond D: 256).
	PerCall int
	// Align is the boundary a dump starts on (the address is rounded down).
	Align uint64
	// Skip are the starts of output lines that are not data ("Displaying
	// memory at"); Errors, texts that mean the command failed.
	Skip, Errors []string
	// Status, when set, matches the line that ends every command (CFE's
	// "*** command status = N"); its first group is the status, 0 success.
	Status *regexp.Regexp
	// Checksum is the device's checksum command, or nil.
	Checksum *Checksum
	// Version is the command that prints the version ("" for none).
	Version string
	// ImageTable is the command that lists the images in flash ("" for none).
	ImageTable string
	// Writes, when set, is how it writes images into that table.
	Writes *ImageWrites
	// AddrBits is the width of the addresses it takes: 32 (the default)
	// or 64.
	AddrBits int
	// Ack, when set, is what the console prints after every command that
	// worked, at the end of the last output line or on a line of its own
	// (Open Firmware's " ok").
	Ack string
	// Baud, when set, is its command to change the line's rate.
	Baud *BaudSwitch
}

// BaudSwitch is a bootloader's command that moves its UART to another
// rate: it answers at the old rate, switches, and shows its prompt at the
// new one.
type BaudSwitch struct {
	Command string // a template: {baud} is the rate, in decimal
	Rates   []int  // the rates it takes
}

// Read is one dump command.
type Read struct {
	Width int
	// Command is a template: {addr} {len} {end} are replaced by the start,
	// the byte count and the last address, in hex without 0x.
	Command string
	// Line parses the command's lines, units in the given order.
	Line func(order binary.ByteOrder) dialect.LineParser
}

// Widths makes one Read per unit width, widest first: flags maps a width
// to the switch that asks for it, which replaces {flag} in command; line
// parses the lines of that width.
func Widths(command string, flags map[int]string, line func(width int, order binary.ByteOrder) dialect.LineParser) []Read {
	var reads []Read
	for _, width := range []int{8, 4, 2, 1} {
		if flag, ok := flags[width]; ok {
			reads = append(reads, Read{Width: width, Command: strings.ReplaceAll(command, "{flag}", flag),
				Line: func(o binary.ByteOrder) dialect.LineParser { return line(width, o) }})
		}
	}
	return reads
}

// Checksum is a device-side checksum command.
type Checksum struct {
	Command string // template, as Read.Command
	// Result finds the sum in the output: the group named "sum" (or the
	// first group), decimal, or hex after 0x.
	Result *regexp.Regexp
	// Hex: the sum is printed in hex, with or without 0x (U-Boot's
	// "... ==> 1a2b3c4d", "$1A2B", "1A2Bh" too); otherwise it is decimal
	// unless it starts with 0x.
	Hex       bool
	Algorithm dialect.Algorithm // what it computes
}

// Expand fills in a command template.
func Expand(template string, addr, n uint64) string {
	return strings.NewReplacer(
		"{addr}", strconv.FormatUint(addr, 16),
		"{len}", strconv.FormatUint(n, 16),
		"{end}", strconv.FormatUint(addr+n-1, 16),
	).Replace(template)
}

// parseSum reads the checksum from one output line, if it is there.
func (c *Checksum) parseSum(line string) (uint32, bool) {
	m := c.Result.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	i := c.Result.SubexpIndex("sum")
	if i < 0 {
		i = 1
	}
	if i >= len(m) {
		return 0, false
	}
	return parseNumber(m[i], c.Hex)
}

// parseNumber reads a number as consoles print them: decimal, 0x-prefixed
// hex, or, where hex is the console's habit, bare hex, $hex, #hex or hexh.
func parseNumber(text string, hex bool) (uint32, bool) {
	t := strings.TrimSpace(text)
	if low := strings.ToLower(t); strings.HasPrefix(low, "0x") {
		t, hex = t[2:], true
	} else if hex {
		t = strings.TrimSuffix(strings.TrimSuffix(strings.TrimLeft(t, "$#"), "h"), "H")
	}
	base := 10
	if hex {
		base = 16
	}
	v, err := strconv.ParseUint(t, base, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// withoutAck is line without the acknowledgement at its end, if it has it.
func (p *Profile) withoutAck(line []byte) ([]byte, bool) {
	if p.Ack == "" {
		return line, false
	}
	t := bytes.TrimRight(line, " ")
	if cut, ok := bytes.CutSuffix(t, []byte(p.Ack)); ok {
		return cut, true
	}
	if bytes.Equal(t, bytes.TrimLeft([]byte(p.Ack), " ")) {
		return nil, true
	}
	return line, false
}

// check reports what is missing from a profile.
func (p *Profile) check() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("no name")
	case len(p.Reads) == 0:
		return fmt.Errorf("no dump command")
	case p.AddrBits != 0 && p.AddrBits != 32 && p.AddrBits != 64:
		return fmt.Errorf("address bits %d: 32 or 64", p.AddrBits)
	case p.Baud != nil && (!strings.Contains(p.Baud.Command, "{baud}") || len(p.Baud.Rates) == 0):
		return fmt.Errorf("the baud rate command must name the rate as {baud} and list the rates it takes")
	}
	return nil
}
