package terminal

import "bytes"

// The control bytes that take part in what a line shows.
const (
	bel = 0x07
	bs  = 0x08
	tab = 0x09
	cr  = 0x0d
	esc = 0x1b
)

// Line is what a terminal shows of raw, the bytes of one line without its
// line feed. Bytes from 0x7f up are kept as they are (a Forth dump prints
// them raw in its character column); other control bytes but the tab are
// dropped, and so is an escape sequence cut off at the end of raw (its
// rest comes with the next bytes). raw itself is returned when it holds no
// control byte at all.
func Line(raw []byte) []byte {
	if !hasControl(raw) {
		return raw
	}
	s := screen{cells: make([]byte, 0, len(raw))}
	for i := 0; i < len(raw); {
		b := raw[i]
		switch {
		case b == esc:
			i += s.escape(raw[i+1:]) + 1
			continue
		case b == bs:
			s.move(s.col - 1)
		case b == cr:
			s.col = 0
		case b < 0x20 && b != tab:
			// BEL, a Ctrl-C's echo, NUL padding: nothing to show.
		default:
			s.put(b)
		}
		i++
	}
	return s.cells
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != tab {
			return true
		}
	}
	return false
}

// screen is one line of a terminal: its cells and the cursor.
type screen struct {
	cells []byte
	col   int
	saved int // the column ESC 7 saved; 0, the line's start, if none was
}

func (s *screen) put(b byte) {
	for len(s.cells) < s.col {
		s.cells = append(s.cells, ' ')
	}
	if s.col < len(s.cells) {
		s.cells[s.col] = b
	} else {
		s.cells = append(s.cells, b)
	}
	s.col++
}

// move puts the cursor at col, never left of the line's start nor past
// maxColumn (moves add up: ESC[70000C ESC[20C); cells it passes over are
// not written (a terminal shows blanks there).
func (s *screen) move(col int) { s.col = min(max(col, 0), maxColumn) }

// maxColumn is as far right as a line reaches.
const maxColumn = 1 << 16

// erase blanks cells [from, to) that exist, dropping those at the end.
func (s *screen) erase(from, to int) {
	to = min(to, len(s.cells))
	if to == len(s.cells) {
		s.cells = s.cells[:min(from, len(s.cells))]
		return
	}
	for i := from; i < to; i++ {
		s.cells[i] = ' '
	}
}

// escape applies the sequence after an ESC and says how many bytes it
// took (all that is left when it is cut off).
func (s *screen) escape(seq []byte) int {
	if len(seq) == 0 {
		return 0
	}
	switch seq[0] {
	case '[':
		return 1 + s.csi(seq[1:])
	case ']', 'P', 'X', '^', '_':
		// OSC, DCS, SOS, PM, APC: a string up to BEL or ESC \.
		return 1 + stringEnd(seq[1:])
	case '7':
		s.saved = s.col
	case '8':
		s.col = s.saved
	case '(', ')', '*', '+', '-', '.', '/', '#', '%', ' ':
		// Character set designations and the like: one more byte.
		return min(2, len(seq))
	}
	return 1
}

// stringEnd is the length of a control string and its terminator.
func stringEnd(b []byte) int {
	for i, c := range b {
		if c == bel {
			return i + 1
		}
		if c == esc && i+1 < len(b) && b[i+1] == '\\' {
			return i + 2
		}
	}
	return len(b)
}

// csi applies a control sequence (what follows ESC [) and says how many
// bytes it took: parameters 0x30-0x3f, intermediates 0x20-0x2f, a final
// byte 0x40-0x7e.
func (s *screen) csi(b []byte) int {
	i := 0
	for i < len(b) && b[i] >= 0x20 && b[i] <= 0x3f {
		i++
	}
	if i == len(b) {
		return i // cut off
	}
	final := b[i]
	if final < 0x40 || final > 0x7e {
		return i // malformed: the byte after is shown as it is
	}
	params := b[:i]
	if len(params) > 0 && (params[0] == '?' || params[0] == '=' || params[0] == '>' || params[0] == '<') {
		return i + 1 // private modes (cursor shown, UEFI's mode set): nothing to show
	}
	n := func(k, def int) int {
		v := param(params, k)
		if v <= 0 {
			return def
		}
		return v
	}
	switch final {
	case 'C': // cursor forward
		s.move(s.col + n(0, 1))
	case 'D': // cursor back
		s.move(s.col - n(0, 1))
	case 'G', '`': // column
		s.move(n(0, 1) - 1)
	case 'H', 'f': // row;column: the row is another line's business
		s.move(n(1, 1) - 1)
	case 'K': // erase in line
		switch param(params, 0) {
		case 1:
			s.erase(0, s.col+1)
		case 2:
			s.erase(0, len(s.cells))
		default:
			s.erase(s.col, len(s.cells))
		}
	case 'J': // erase in display: this line's part of it
		switch param(params, 0) {
		case 1:
			s.erase(0, s.col+1)
		case 2, 3:
			s.erase(0, len(s.cells))
		default:
			s.erase(s.col, len(s.cells))
		}
	case 'P': // delete characters
		k := min(n(0, 1), max(len(s.cells)-s.col, 0))
		if s.col < len(s.cells) {
			s.cells = append(s.cells[:s.col], s.cells[s.col+k:]...)
		}
	case 'X': // erase characters
		s.erase(s.col, s.col+n(0, 1))
	}
	return i + 1
}

// param is the k-th parameter of a control sequence, -1 when it is not
// given (absent, empty or not a number).
func param(params []byte, k int) int {
	for ; k > 0; k-- {
		i := bytes.IndexByte(params, ';')
		if i < 0 {
			return -1
		}
		params = params[i+1:]
	}
	if i := bytes.IndexByte(params, ';'); i >= 0 {
		params = params[:i]
	}
	if len(params) == 0 {
		return -1
	}
	v := 0
	for _, c := range params {
		if c < '0' || c > '9' {
			return -1
		}
		v = min(v*10+int(c-'0'), maxColumn) // a column, never more
	}
	return v
}

// HoldsKeys says whether raw holds a control key that a line editor keeps
// in its line and echoes as it is (a Ctrl-C the seed's camera loader
// keeps): a terminal shows nothing of it, but the command that runs holds
// it. Bytes that move the cursor, erase, or ring the bell do not count.
func HoldsKeys(raw []byte) bool {
	for _, b := range raw {
		switch {
		case b == 0, b == bel, b == bs, b == tab, b == '\n', b == cr, b == esc:
		case b < 0x20:
			return true
		}
	}
	return false
}
