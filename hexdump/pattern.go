package hexdump

import (
	"encoding/binary"
	"fmt"
	"regexp"
)

// Pattern parses dump lines described by a user's profile: a regular
// expression whose named groups "address" and "data" hold the line's address
// and its units. Units in data are runs of 2*Width hex digits; anything else
// there (spaces, a "-" between the halves) separates them. An optional group
// "ascii" is checked against the bytes with ASCII, when set.
type Pattern struct {
	Re    *regexp.Regexp
	Width int
	Order binary.ByteOrder
	ASCII func(b byte) byte
}

// NewPattern compiles expr and checks it has the groups it needs.
func NewPattern(expr string, width int, order binary.ByteOrder) (*Pattern, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	if re.SubexpIndex("address") < 0 || re.SubexpIndex("data") < 0 {
		return nil, fmt.Errorf("line pattern %q needs the named groups (?P<address>...) and (?P<data>...)", expr)
	}
	if width != 1 && width != 2 && width != 4 && width != 8 {
		return nil, fmt.Errorf("unit width %d: 1, 2, 4 or 8", width)
	}
	return &Pattern{Re: re, Width: width, Order: order}, nil
}

// ParseLine parses one line (without its line end).
func (p *Pattern) ParseLine(line []byte, dst []byte) (uint64, []byte, error) {
	line = trimEOL(line)
	m := p.Re.FindSubmatchIndex(line)
	if m == nil {
		return 0, dst, lineErr(0, line, "does not match the profile's line pattern")
	}
	group := func(name string) []byte {
		i := p.Re.SubexpIndex(name)
		if i < 0 || m[2*i] < 0 {
			return nil
		}
		return line[m[2*i]:m[2*i+1]]
	}
	addr, ok := parseHex(group("address"))
	if !ok {
		return 0, dst, lineErr(0, line, "address is not hex")
	}
	start := len(dst)
	data := group("data")
	for i := 0; i < len(data); {
		if !isHexDigit(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && isHexDigit(data[j]) {
			j++
		}
		if j-i != 2*p.Width {
			return addr, dst[:start], lineErr(addr, line, "unit %q is not %d hex digits", data[i:j], 2*p.Width)
		}
		v, _ := parseHex(data[i:j])
		dst = appendUnit(dst, v, p.Width, p.Order)
		i = j
	}
	n := len(dst) - start
	if n == 0 || n > BytesPerLine {
		return addr, dst[:start], lineErr(addr, line, "%d bytes on the line", n)
	}
	if ascii := group("ascii"); p.ASCII != nil && ascii != nil {
		if len(ascii) < n {
			return addr, dst[:start], lineErr(addr, line, "ASCII column too short")
		}
		for i, b := range dst[start:] {
			if ascii[i] != p.ASCII(b) {
				return addr, dst[:start], lineErr(addr, line, "ASCII column disagrees with byte %d", i)
			}
		}
	}
	return addr, dst, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
