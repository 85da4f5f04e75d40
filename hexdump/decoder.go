package hexdump

import "bytes"

// Decoder checks a stream of md lines against the range that was asked for:
// each line must start where the previous one ended and carry exactly the
// bytes still owed (16, or fewer on the last line).
type Decoder struct {
	f         Format
	next      uint64
	remaining int
}

// NewDecoder expects n bytes starting at addr, printed in format f.
func NewDecoder(f Format, addr uint64, n int) *Decoder {
	return &Decoder{f: f, next: addr, remaining: n}
}

// Next is the address the next line must start at.
func (d *Decoder) Next() uint64 { return d.next }

// Remaining is the number of bytes not yet decoded.
func (d *Decoder) Remaining() int { return d.remaining }

// Line decodes one line and appends its bytes to dst.
func (d *Decoder) Line(line []byte, dst []byte) ([]byte, error) {
	if d.remaining == 0 {
		return dst, lineErr(d.next, line, "more lines than asked for")
	}
	start := len(dst)
	addr, out, err := d.f.ParseLine(line, dst)
	if err != nil {
		if le, ok := err.(*LineError); ok {
			le.Addr = d.next
		}
		return dst, err
	}
	if addr != d.next {
		return dst, lineErr(d.next, line, "line starts at 0x%x", addr)
	}
	want := min(BytesPerLine, d.remaining)
	if got := len(out) - start; got != want {
		return dst, lineErr(d.next, line, "%d bytes on the line, want %d", got, want)
	}
	d.next += uint64(want)
	d.remaining -= want
	return out, nil
}

// IsLine reports whether line is a well-formed dump line for p, whatever
// its address: such a line is data, never a console message, even when its
// ASCII column spells one.
func IsLine(p lineParser, line []byte) bool {
	var buf [BytesPerLine]byte
	_, _, err := p.ParseLine(line, buf[:0])
	return err == nil
}

// Foreign reports whether line cannot be a garbled md line (Format),
// because it does not start with an address and a colon: a driver's
// message ("raspi_read: from:50000 len:40"), a kernel's ("[   12.345678]
// ..."), a fragment. Such a line is not data and can be set aside; a
// dump line whose address noise spoiled is set aside with it, and the
// decoder finds the gap.
func Foreign(line []byte) bool {
	line = bytes.TrimLeft(line, " \t\r")
	n := 0
	for n < len(line) && isHexDigit(line[n]) {
		n++
	}
	return n < 4 || n >= len(line) || line[n] != ':'
}
