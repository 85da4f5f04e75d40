package hexdump

import (
	"bytes"
	"encoding/binary"
)

// lineParser is what IsLine takes: anything that turns one dump line into
// its address and bytes. Format (U-Boot's md), Layout (the other
// bootloaders) and Pattern (user profiles) are ones; package dialect names
// the interface (dialect.LineParser) for the rest of bootdump.
type lineParser interface {
	ParseLine(line []byte, dst []byte) (addr uint64, out []byte, err error)
}

// Layout describes the dump lines of the bootloaders other than U-Boot,
// which differ from md's only in punctuation:
//
//	[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.A   Winbond D -s
//	B8020000: 36 00 00 00 42 72 6F 61 64 63 6F 6D 20 43 6F 72   6...Broadcom Cor   CFE d -b
//	80000000: 00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF  |."3DUfw........|  RedBoot dump
//	80000000: 33221100 77665544 bbaa9988 ffeeddcc    ."3DUfw........   Barebox md -l
//
// An address in hex between AddrOpen and AddrClose, then units of Width
// bytes as 2*Width hex digits (either case) separated by one or two spaces,
// an optional Separator token between them, and the ASCII column, if the
// bootloader prints one, after a gap of spaces (between ASCIIOpen and
// ASCIIClose). A line holds 16 bytes; a shorter one is accepted when its
// ASCII column has as many characters as it has bytes.
type Layout struct {
	Width               int
	Order               binary.ByteOrder // the order units are printed in (memory order: big-endian)
	AddrOpen, AddrClose string
	Separator           string
	// ASCII maps a byte to its character in the ASCII column; nil when the
	// format has none.
	ASCII                 func(b byte) byte
	ASCIIOpen, ASCIIClose string
}

// ParseLine parses one line (without its line end).
func (l Layout) ParseLine(line []byte, dst []byte) (addr uint64, out []byte, err error) {
	line = trimEOL(line)
	if l.ASCII == nil || l.ASCIIClose != "" {
		// A trailing space is not data here (in an ASCII column it is).
		line = bytes.TrimRight(line, " ")
	}
	if !bytes.HasPrefix(line, []byte(l.AddrOpen)) {
		return 0, dst, lineErr(0, line, "no address")
	}
	rest := line[len(l.AddrOpen):]
	end := bytes.Index(rest, []byte(l.AddrClose))
	if l.AddrClose == "" || end < 0 {
		return 0, dst, lineErr(0, line, "no address")
	}
	if end < 4 || end > 16 {
		return 0, dst, lineErr(0, line, "address has %d digits, want 4 to 16", end)
	}
	addr, ok := parseHex(rest[:end])
	if !ok {
		return 0, dst, lineErr(0, line, "address is not hex")
	}
	w := l.Width
	if w != 1 && w != 2 && w != 4 && w != 8 {
		return addr, dst, lineErr(addr, line, "unsupported unit width %d", w)
	}
	pos := len(l.AddrOpen) + end + len(l.AddrClose)
	start := len(dst)
	units := 0
	for units < BytesPerLine/w {
		p := pos
		spaces := 0
		for p < len(line) && line[p] == ' ' {
			p++
			spaces++
		}
		if spaces == 0 && !(units == 0 && l.AddrClose[len(l.AddrClose)-1] == ' ') || spaces > 2 {
			break
		}
		if l.Separator != "" && units > 0 && bytes.HasPrefix(line[p:], []byte(l.Separator+" ")) {
			pos = p + len(l.Separator)
			continue
		}
		tokEnd := p + 2*w
		if tokEnd > len(line) || (tokEnd < len(line) && line[tokEnd] != ' ') {
			break
		}
		v, ok := parseHex(line[p:tokEnd])
		if !ok {
			break
		}
		dst = appendUnit(dst, v, w, l.Order)
		units++
		pos = tokEnd
	}
	if units == 0 {
		return addr, dst[:start], lineErr(addr, line, "no data")
	}
	n := len(dst) - start
	rest = line[pos:]
	if l.ASCII == nil {
		if len(bytes.TrimLeft(rest, " ")) != 0 {
			return addr, dst[:start], lineErr(addr, line, "unexpected text after %d units", units)
		}
		if n != BytesPerLine {
			return addr, dst[:start], lineErr(addr, line, "%d bytes on a line without an ASCII column to confirm a short line", n)
		}
		return addr, dst, nil
	}
	if !bytes.HasSuffix(rest, []byte(l.ASCIIClose)) {
		return addr, dst[:start], lineErr(addr, line, "ASCII column missing")
	}
	rest = rest[:len(rest)-len(l.ASCIIClose)]
	if len(rest) < n+len(l.ASCIIOpen)+1 {
		return addr, dst[:start], lineErr(addr, line, "ASCII column missing")
	}
	ascii := rest[len(rest)-n:]
	gap := rest[:len(rest)-n]
	if !bytes.HasSuffix(gap, []byte(l.ASCIIOpen)) {
		return addr, dst[:start], lineErr(addr, line, "ASCII column missing")
	}
	gap = gap[:len(gap)-len(l.ASCIIOpen)]
	if len(gap) == 0 || len(bytes.Trim(gap, " ")) != 0 {
		return addr, dst[:start], lineErr(addr, line, "unexpected text after %d units", units)
	}
	for i, b := range dst[start:] {
		if ascii[i] != l.ASCII(b) {
			return addr, dst[:start], lineErr(addr, line, "ASCII column disagrees with byte %d", i)
		}
	}
	return addr, dst, nil
}

// WinbondASCII is the Winbond boot loader's ASCII column: bytes up to and
// including the space, and above 0x7F, are dots.
func WinbondASCII(b byte) byte {
	if b <= 0x20 || b > 0x7f {
		return '.'
	}
	return b
}

// CFEASCII is CFE's: below 0x20 and above 0x7F are dots (DEL is printed).
func CFEASCII(b byte) byte {
	if b < 0x20 || b > 0x7f {
		return '.'
	}
	return b
}

// Winbond is the layout of `D [-w|-h|-b] -s`: units in memory order.
func Winbond(width int) Layout {
	return Layout{Width: width, Order: binary.BigEndian, AddrOpen: "[", AddrClose: "]", Separator: "-", ASCII: WinbondASCII}
}

// CFE is the layout of CFE's `d` and BCM63xx's `dm`; order is the CPU's.
func CFE(width int, order binary.ByteOrder) Layout {
	return Layout{Width: width, Order: order, AddrClose: ": ", ASCII: CFEASCII}
}

// RedBoot is the layout of `dump`: bytes with an ASCII column between bars,
// or (-2, -4) units in the CPU's order with none.
func RedBoot(width int, order binary.ByteOrder) Layout {
	l := Layout{Width: width, Order: order, AddrClose: ": "}
	if width == 1 {
		l.ASCII, l.ASCIIOpen, l.ASCIIClose = Printable, "|", "|"
	}
	return l
}

// Barebox is the layout of barebox's `md`; order is the CPU's.
func Barebox(width int, order binary.ByteOrder) Layout {
	return Layout{Width: width, Order: order, AddrClose: ":", ASCII: Printable}
}
