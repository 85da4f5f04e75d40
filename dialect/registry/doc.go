// Package registry keeps the list of bootloaders bootdump knows, and tells
// which one is behind a console. Auto-detection, the --dialect help and
// completion, parse and the simulator's tests read it. It knows none of
// them itself: package dialect/all registers the built-in ones, in the
// order detection asks them (import it for its side effect, as
// cmd/bootdump does).
package registry
