package dialect

import (
	"errors"
	"testing"
)

// Garbled marks a line's failed check without changing what it says or
// hiding what it wraps.
func TestGarbled(t *testing.T) {
	inner := errors.New("dump line at 0x04000000: ASCII column disagrees with byte 3")
	err := Garbled(inner)
	if !errors.Is(err, ErrGarbled) || !errors.Is(err, inner) || err.Error() != inner.Error() {
		t.Fatalf("%v: is garbled %v, wraps %v", err, errors.Is(err, ErrGarbled), errors.Is(err, inner))
	}
	if Garbled(nil) != nil || errors.Is(inner, ErrGarbled) {
		t.Fatal("nil or an unmarked error taken for garbled")
	}
}
