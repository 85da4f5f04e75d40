package dialect

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/bootdump/bootdump/console"
)

// ErrGarbled: a dump line failed its checks (a noisy line); reading the
// range again is the cure, the console is still in step.
var ErrGarbled = errors.New("a dump line failed its checks")

// Garbled marks err, a dump line's failed check, as ErrGarbled; its text
// and what it wraps stay as they are.
func Garbled(err error) error {
	if err == nil {
		return nil
	}
	return garbledError{err}
}

type garbledError struct{ error }

func (e garbledError) Unwrap() error        { return e.error }
func (e garbledError) Is(target error) bool { return target == ErrGarbled }

// LineParser turns one dump line into its address and bytes (package
// hexdump's parsers are ones).
type LineParser interface {
	ParseLine(line []byte, dst []byte) (addr uint64, out []byte, err error)
}

// Bootloader is one entry of the registry (package dialect/registry):
// what tells it apart, how its console behaves, how to open a session on
// it, and how its dump lines read.
type Bootloader struct {
	Name    string // as --dialect and the record spell it
	Title   string // as people spell it ("U-Boot"); Name if empty
	Summary string // what it is and how it reads, for --help
	// Traits are how its console behaves: its prompts (none: learned
	// from the console), its countdowns and menus with the keys that stop
	// them, what wakes it, the texts that mean it rebooted.
	console.Traits
	// Banners are texts of its boot banner or of its answer to "version"
	// that name it (auto-detection).
	Banners []string
	// Open starts a session on a synced console that link dialed.
	Open func(ctx context.Context, con *console.Console, link *Link, opt Options) (Session, error)
	// Lines are the parsers of its dump lines, units in the given byte
	// order (bootdump parse reads saved logs with them); LineOrder is that
	// order where the bootloader fixes it (nil: the CPU's).
	Lines     func(order binary.ByteOrder) []LineParser
	LineOrder binary.ByteOrder
	// LinesLike names the bootloader whose dump lines these are, where
	// they are another's (a vendor's fork prints as the release it forks):
	// a saved log is read in that one's name.
	LinesLike string
}

// Human is the bootloader's name as people spell it.
func (b *Bootloader) Human() string {
	if b.Title != "" {
		return b.Title
	}
	return b.Name
}

// ConsoleOptions is base with what the console must know of b.
func (b *Bootloader) ConsoleOptions(base console.Options) console.Options {
	base.Traits = b.Traits
	return base
}
