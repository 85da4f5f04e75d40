package capture

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/hexdump"
)

// Format is one way a dump line may be written.
type Format struct {
	// Group names the formats one capture is read in: a dialect and a
	// byte order (a log mixes md.b and md.l, not two CPUs).
	Group  string
	Parser dialect.LineParser
}

// Result is what a capture holds.
type Result struct {
	Group    string
	Addr     uint64       // the first address a line covers
	Data     []byte       // from Addr to the end of the last line; gaps are 0
	Gaps     []dump.Range // covered by no good line
	Disagree []dump.Range // covered by lines that disagree (also left out)
	// CutOff is what an md command in the log asked for past the last
	// line (a log cut off mid-dump); it is in Gaps and Data too.
	CutOff   []dump.Range
	Lines    int      // text lines in the capture
	Accepted int      // dump lines taken
	Rejected []Reject // dump lines refused
}

// Reject is a dump line that failed its checks.
type Reject struct {
	Line   int    `json:"line"` // 1-based, in the cleaned text
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// ErrNoDump: nothing in the capture is a dump line of the given formats.
var ErrNoDump = errors.New("no dump lines found")

// maxSize bounds the image a capture may describe.
const maxSize = 1 << 30

// Lines splits a raw console log into the lines a terminal shows: CR, LF
// and any mix of them end a line, a backspace removes the character before
// it, ANSI escape sequences (colours, cursor moves) and other control
// characters are dropped.
func Lines(raw []byte) []string {
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\r' || c == '\n':
			flush()
		case c == '\b':
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
		case c == 0x1b:
			i = skipEscape(raw, i)
		case c == '\t':
			cur = append(cur, ' ')
		case c < 0x20:
			// Ctrl-C echoes, bells, XON/XOFF: not text.
		default:
			cur = append(cur, c)
		}
	}
	flush()
	return out
}

// skipEscape returns the index of the last byte of the escape sequence
// that starts at raw[i] (ESC).
func skipEscape(raw []byte, i int) int {
	if i+1 >= len(raw) {
		return i
	}
	switch raw[i+1] {
	case '[': // CSI: parameters, then a final byte 0x40..0x7e
		for j := i + 2; j < len(raw); j++ {
			if raw[j] >= 0x40 && raw[j] <= 0x7e {
				return j
			}
		}
		return len(raw) - 1
	case ']': // OSC: up to BEL or ESC \
		for j := i + 2; j < len(raw); j++ {
			if raw[j] == 0x07 {
				return j
			}
			if raw[j] == 0x1b && j+1 < len(raw) && raw[j+1] == '\\' {
				return j + 1
			}
		}
		return len(raw) - 1
	}
	return i + 1
}

type entry struct {
	addr uint64
	data []byte
	line int
	text string
}

func (e entry) end() uint64 { return e.addr + uint64(len(e.data)) }

// Parse reads a capture in whichever group of formats accepts the most of
// its lines.
func Parse(raw []byte, formats []Format) (*Result, error) {
	lines := Lines(raw)
	group := bestGroup(lines, formats)
	if group == "" {
		return nil, ErrNoDump
	}
	var parsers []dialect.LineParser
	for _, f := range formats {
		if f.Group == group {
			parsers = append(parsers, f.Parser)
		}
	}
	res := &Result{Group: group, Lines: len(lines)}
	var entries []entry
	for i, l := range lines {
		e, reason, isDump := parseLine(l, parsers)
		switch {
		case reason == "":
			e.line, e.text = i+1, l
			entries = append(entries, e)
		case isDump:
			res.Rejected = append(res.Rejected, Reject{Line: i + 1, Text: l, Reason: reason})
		}
	}
	// A line belongs to a run of lines, each starting where the one before
	// ended: a line with a garbled address follows neither neighbour.
	var good, alone []entry
	for k, e := range entries {
		afterPrev := k > 0 && entries[k-1].end() == e.addr
		beforeNext := k+1 < len(entries) && entries[k+1].addr == e.end()
		if afterPrev || beforeNext {
			good = append(good, e)
		} else {
			alone = append(alone, e)
		}
	}
	if len(good) == 0 {
		return nil, fmt.Errorf("%w: %d lines looked like dump lines but none passed its checks", ErrNoDump, len(res.Rejected)+len(alone))
	}
	res.Accepted = len(good)
	if err := res.assemble(good); err != nil {
		return nil, err
	}
	// A line alone is taken when it repeats what the runs show (a probe,
	// a second look); otherwise its address may be garbled.
	for _, e := range alone {
		if res.confirms(e) {
			res.Accepted++
			continue
		}
		res.Rejected = append(res.Rejected, Reject{Line: e.line, Text: e.text, Reason: fmt.Sprintf("its address %#x follows no neighbouring line", e.addr)})
	}
	slices.SortFunc(res.Rejected, func(a, b Reject) int { return a.Line - b.Line })
	res.cutOff(lines)
	return res, nil
}

// mdCommand is U-Boot's md typed at a prompt: md[.b|.w|.l|.q] ADDR [COUNT]
// (hex, COUNT in units, 0x40 by default).
var mdCommand = regexp.MustCompile(`(?:^|[#>$:] ?)md(?:\.([bwlq]))?\s+(?:0[xX])?([0-9a-fA-F]+)(?:\s+(?:0[xX])?([0-9a-fA-F]+))?\s*$`)

// cutOff finds the md commands of the log that asked for more than its
// lines hold past their end, and extends the image to what was asked,
// as a gap.
func (r *Result) cutOff(lines []string) {
	end := r.Addr + uint64(len(r.Data))
	asked := end
	for _, l := range lines {
		m := mdCommand.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		width := map[string]uint64{"": 4, "b": 1, "w": 2, "l": 4, "q": 8}[m[1]]
		addr, err1 := strconv.ParseUint(m[2], 16, 64)
		count, err2 := uint64(0x40), error(nil)
		if m[3] != "" {
			count, err2 = strconv.ParseUint(m[3], 16, 64)
		}
		if err1 != nil || err2 != nil || addr < r.Addr || addr > end || count > maxSize/width {
			continue // not a command this image continues
		}
		asked = max(asked, addr+count*width)
	}
	if asked > end && asked-r.Addr <= maxSize {
		short := dump.Range{Addr: end, Size: asked - end}
		r.CutOff = append(r.CutOff, short)
		r.Gaps = append(r.Gaps, short)
		r.Data = append(r.Data, make([]byte, short.Size)...)
	}
}

// confirms says whether the assembled image holds e's bytes at e's address.
func (r *Result) confirms(e entry) bool {
	if e.addr < r.Addr || e.end() > r.Addr+uint64(len(r.Data)) {
		return false
	}
	for _, g := range append(slices.Clone(r.Gaps), r.Disagree...) {
		if g.Addr < e.end() && e.addr < g.Addr+g.Size {
			return false
		}
	}
	return string(r.Data[e.addr-r.Addr:e.end()-r.Addr]) == string(e.data)
}

// sample is how many lines of one group settle which group a capture is in.
const sample = 2000

// bestGroup is the group whose formats parse the most lines (of the first
// few thousand dump lines: a log is in one format).
func bestGroup(lines []string, formats []Format) string {
	count := map[string]int{}
	var order []string
	for _, f := range formats {
		if _, ok := count[f.Group]; !ok {
			order = append(order, f.Group)
			count[f.Group] = 0
		}
	}
	for _, l := range lines {
		seen := map[string]bool{}
		for _, f := range formats {
			if seen[f.Group] {
				continue
			}
			if _, _, err := f.Parser.ParseLine([]byte(l), nil); err == nil {
				count[f.Group]++
				seen[f.Group] = true
			}
		}
		if slices.ContainsFunc(order, func(g string) bool { return count[g] >= sample }) {
			break
		}
	}
	best := ""
	for _, g := range order {
		if count[g] > 0 && (best == "" || count[g] > count[best]) {
			best = g
		}
	}
	return best
}

// parseLine tries each parser. A line none accepts is a rejected dump
// line when some parser got past its address, else unrelated text.
func parseLine(l string, parsers []dialect.LineParser) (e entry, reason string, isDump bool) {
	for _, p := range parsers {
		addr, data, err := p.ParseLine([]byte(l), nil)
		if err == nil {
			return entry{addr: addr, data: data}, "", true
		}
		var le *hexdump.LineError
		if errors.As(err, &le) && !strings.HasPrefix(le.Reason, "no address") && !strings.HasPrefix(le.Reason, "address ") &&
			!strings.HasPrefix(le.Reason, "does not match") && reason == "" {
			reason, isDump = le.Reason, true
		}
	}
	if reason == "" {
		reason = "not a dump line"
	}
	return entry{}, reason, isDump
}

// assemble lays the good lines over one buffer, compares overlaps, and
// lists what is missing or disputed.
func (r *Result) assemble(good []entry) error {
	lo, hi := good[0].addr, good[0].end()
	for _, e := range good {
		lo, hi = min(lo, e.addr), max(hi, e.end())
	}
	if hi-lo > maxSize {
		return fmt.Errorf("the lines span %#x..%#x, more than 1 GiB: split the capture", lo, hi-1)
	}
	const (
		missing = iota
		have
		disputed
	)
	r.Addr = lo
	r.Data = make([]byte, hi-lo)
	state := make([]byte, hi-lo)
	for _, e := range good {
		off := e.addr - lo
		for i, b := range e.data {
			switch state[off+uint64(i)] {
			case missing:
				state[off+uint64(i)], r.Data[off+uint64(i)] = have, b
			case have:
				if r.Data[off+uint64(i)] != b {
					state[off+uint64(i)] = disputed
				}
			}
		}
	}
	for i := 0; i < len(state); {
		j := i
		for j < len(state) && state[j] == state[i] {
			j++
		}
		rg := dump.Range{Addr: lo + uint64(i), Size: uint64(j - i)}
		switch state[i] {
		case missing:
			r.Gaps = append(r.Gaps, rg)
		case disputed:
			r.Disagree = append(r.Disagree, rg)
			clear(r.Data[i:j])
		}
		i = j
	}
	return nil
}
