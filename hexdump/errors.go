package hexdump

import (
	"errors"
	"fmt"
)

// ErrBadLine is matched (errors.Is) by every *LineError.
var ErrBadLine = errors.New("malformed dump line")

// LineError says which line failed and why.
type LineError struct {
	Addr   uint64 // the address the line was expected to start at
	Line   string // the offending text, shortened
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("dump line at 0x%08x: %s: %q", e.Addr, e.Reason, e.Line)
}

// Is makes errors.Is(err, ErrBadLine) true.
func (e *LineError) Is(target error) bool { return target == ErrBadLine }

func lineErr(addr uint64, line []byte, format string, args ...any) error {
	const max = 100
	s := string(line)
	if len(s) > max {
		s = s[:max] + "..."
	}
	return &LineError{Addr: addr, Line: s, Reason: fmt.Sprintf(format, args...)}
}
