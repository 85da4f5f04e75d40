package hexdump

import "encoding/binary"

// BytesPerLine is how much memory one U-Boot md line covers.
const BytesPerLine = 16

// Format describes one U-Boot style md line:
//
//	04000000: 746f6f62 706d7564 66657220 6e657265  bootdump referen
//
// an address of 8 to 16 hex digits and a colon, units of Width bytes each
// printed as " %0*x" in the CPU's byte order, a gap of two spaces (four on
// releases before the hexdump rewrite), and the ASCII column. A short last
// line may be padded so the ASCII column stays aligned, or not.
type Format struct {
	Width int              // bytes per unit: 1, 2, 4 or 8
	Order binary.ByteOrder // the CPU's byte order; units are printed as the CPU reads them
}

// ParseLine parses one line (without its line end). It returns the address
// printed at the start of the line and dst with the line's bytes appended.
func (f Format) ParseLine(line []byte, dst []byte) (addr uint64, out []byte, err error) {
	line = trimEOL(line)
	colon := indexByte(line, ':')
	if colon < 0 {
		return 0, dst, lineErr(0, line, "no address")
	}
	if colon < 8 || colon > 16 {
		return 0, dst, lineErr(0, line, "address has %d digits, want 8 to 16", colon)
	}
	addr, ok := parseHex(line[:colon])
	if !ok {
		return 0, dst, lineErr(0, line, "address is not hex")
	}
	w := f.Width
	if w != 1 && w != 2 && w != 4 && w != 8 {
		return addr, dst, lineErr(addr, line, "unsupported unit width %d", w)
	}
	maxUnits := BytesPerLine / w
	pos := colon + 1
	start := len(dst)
	units := 0
	for units < maxUnits && pos+1 < len(line) && line[pos] == ' ' && line[pos+1] != ' ' {
		end := pos + 1 + 2*w
		if end > len(line) || (end < len(line) && line[end] != ' ') {
			return addr, dst[:start], lineErr(addr, line, "unit %d is not %d hex digits", units, 2*w)
		}
		v, ok := parseHex(line[pos+1 : end])
		if !ok {
			return addr, dst[:start], lineErr(addr, line, "unit %d is not hex", units)
		}
		dst = appendUnit(dst, v, w, f.Order)
		units++
		pos = end
	}
	if units == 0 {
		return addr, dst[:start], lineErr(addr, line, "no data")
	}
	data := dst[start:]
	n := len(data)
	if len(line)-pos < n+2 {
		return addr, dst[:start], lineErr(addr, line, "ASCII column missing")
	}
	ascii := line[len(line)-n:]
	gap := line[pos : len(line)-n]
	for _, c := range gap {
		if c != ' ' {
			return addr, dst[:start], lineErr(addr, line, "unexpected text after %d units", units)
		}
	}
	pad := (maxUnits - units) * (2*w + 1)
	if g := len(gap); g != 2 && g != 4 && g != 2+pad && g != 4+pad {
		return addr, dst[:start], lineErr(addr, line, "gap before the ASCII column is %d spaces", g)
	}
	for i, b := range data {
		if ascii[i] != Printable(b) {
			return addr, dst[:start], lineErr(addr, line, "ASCII column disagrees with byte %d", i)
		}
	}
	return addr, dst, nil
}

// Printable is the ASCII column's character for b, as U-Boot prints it.
func Printable(b byte) byte {
	if b < 0x20 || b > 0x7e {
		return '.'
	}
	return b
}

func appendUnit(dst []byte, v uint64, w int, order binary.ByteOrder) []byte {
	var buf [8]byte
	switch w {
	case 1:
		return append(dst, byte(v))
	case 2:
		order.PutUint16(buf[:], uint16(v))
	case 4:
		order.PutUint32(buf[:], uint32(v))
	case 8:
		order.PutUint64(buf[:], v)
	}
	return append(dst, buf[:w]...)
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && b[0] == '\r' {
		b = b[1:]
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// parseHex reads 1 to 16 hex digits of either case.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}
