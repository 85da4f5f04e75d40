package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// all is every bootloader registered, in the order auto-detection asks.
var (
	mu  sync.RWMutex
	all []dialect.Bootloader
)

// Register adds a bootloader, after those registered before it
// (auto-detection asks in that order: vendors' builds before the releases
// they fork, whose banners they print too). Package dialect/all registers
// every bootloader bootdump knows; a program may add its own.
func Register(b dialect.Bootloader) {
	mu.Lock()
	defer mu.Unlock()
	for _, have := range all {
		if have.Name == b.Name {
			panic("registry: a second bootloader named " + b.Name)
		}
	}
	all = append(all, b)
}

// All is every registered bootloader.
func All() []dialect.Bootloader {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(all)
}

// Names are the known bootloaders' names.
func Names() []string {
	var out []string
	for _, b := range All() {
		out = append(out, b.Name)
	}
	return out
}

// Lookup finds a known bootloader by name.
func Lookup(name string) (dialect.Bootloader, bool) {
	for _, b := range All() {
		if b.Name == name {
			return b, true
		}
	}
	return dialect.Bootloader{}, false
}

// Human is how people spell a known bootloader's name (the name itself
// for one the registry does not know, such as a profile's).
func Human(name string) string {
	if b, ok := Lookup(name); ok {
		return b.Human()
	}
	return name
}

// ErrUnknown: the console answers, but as no bootloader bootdump knows.
var ErrUnknown = errors.New("unknown bootloader")

// Found is the bootloader on the console and why it was taken for it.
type Found struct {
	Bootloader dialect.Bootloader
	Reason     string
}

// ConsoleOptions extends base so that Sync finds the prompt of, and stops
// the autoboot of, every candidate.
func ConsoleOptions(base console.Options, candidates []dialect.Bootloader) console.Options {
	base.Traits = console.Traits{}
	for _, b := range candidates {
		base.Prompts = append(base.Prompts, b.Prompts...)
		base.Autoboot = append(base.Autoboot, b.Autoboot...)
		base.Resets = append(base.Resets, b.Resets...)
	}
	// U-Boot answers Ctrl-C; others stay silent and answer an empty line.
	base.Wake = []byte{'\r'}
	return base
}

// Detect tells which bootloader is behind a synced console: by its prompt,
// then by the banner it printed while Sync waited, then by its answer to
// "version" (U-Boot, RedBoot and barebox print their names; CFE and the
// Winbond loader reject it in words of their own).
func Detect(ctx context.Context, con *console.Console, candidates []dialect.Bootloader) (Found, error) {
	prompt := con.Prompt()
	var sharing []dialect.Bootloader
	for _, b := range candidates {
		if slices.Contains(b.Prompts, prompt) {
			sharing = append(sharing, b)
		}
	}
	switch {
	case len(sharing) == 1:
		b := sharing[0]
		return Found{b, fmt.Sprintf("its prompt %q is %s's", prompt, b.Human())}, nil
	case len(sharing) > 1:
		// Open Firmware's "0 > " is OpenBIOS's and SLOF's: their banners
		// or their words tell them apart.
		candidates = sharing
	}
	for _, b := range candidates {
		for _, banner := range b.Banners {
			if strings.Contains(prompt, banner) {
				return Found{b, fmt.Sprintf("its prompt %q is %s's", prompt, b.Human())}, nil
			}
		}
	}
	if f, ok := fromText(con.Seen(), "its boot banner says", candidates); ok {
		return f, nil
	}
	lines, err := con.Output(ctx, "version")
	if err != nil && !errors.Is(err, console.ErrEcho) {
		return Found{}, err
	}
	if f, ok := fromText(strings.Join(lines, "\n"), "'version' printed", candidates); ok {
		return f, nil
	}
	if len(sharing) > 1 {
		b := sharing[0]
		return Found{b, fmt.Sprintf("its prompt %q is %s's (and others'; nothing told them apart: --dialect chooses)", prompt, b.Human())}, nil
	}
	return Found{}, &UnknownError{Prompt: prompt}
}

// UnknownError is a prompt no registered bootloader answers to.
type UnknownError struct{ Prompt string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("%v at the prompt %q: it answers as none of %s", ErrUnknown, e.Prompt, strings.Join(Names(), ", "))
}

func (e *UnknownError) Unwrap() error { return ErrUnknown }

// fromText finds the first candidate (in the registry's order: vendors'
// builds before the releases they fork) that a line of text names.
func fromText(text, what string, candidates []dialect.Bootloader) (Found, bool) {
	lines := strings.Split(text, "\n")
	for _, b := range candidates {
		for _, banner := range b.Banners {
			for _, l := range lines {
				if l = strings.Trim(l, "\r "); strings.Contains(l, banner) {
					return Found{b, fmt.Sprintf("%s %q", what, l)}, true
				}
			}
		}
	}
	return Found{}, false
}
