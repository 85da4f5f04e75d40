package auto

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/barebox"
	"github.com/bootdump/bootdump/dialect/cfe"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/dialect/redboot"
	"github.com/bootdump/bootdump/dialect/winbond"
)

// ErrUnknown: the console answers, but as no bootloader bootdump knows.
var ErrUnknown = errors.New("unknown bootloader")

// Found is the bootloader on the console and why it was taken for it.
type Found struct {
	Dialect string           // "uboot", or the profile's name
	Profile *profile.Profile // nil for U-Boot
	Reason  string
}

// Names are the built-in dialects besides U-Boot, each a profile of its
// own package.
var Names = []string{"winbond", "cfe", "redboot", "barebox"}

// Builtin returns a fresh copy of the built-in profile of that name, or nil.
func Builtin(name string) *profile.Profile {
	switch name {
	case "winbond":
		return winbond.Profile()
	case "cfe":
		return cfe.Profile()
	case "redboot":
		return redboot.Profile()
	case "barebox":
		return barebox.Profile()
	}
	return nil
}

// Candidates are the built-in profiles auto-detection chooses from (U-Boot
// besides).
func Candidates() []*profile.Profile {
	var out []*profile.Profile
	for _, name := range Names {
		out = append(out, Builtin(name))
	}
	return out
}

// ConsoleOptions extends base so that Sync finds the prompt of, and stops
// the autoboot of, U-Boot and every candidate.
func ConsoleOptions(base console.Options, candidates []*profile.Profile) console.Options {
	base.Prompts = slices.Clone(console.DefaultPrompts)
	base.Autoboot = slices.Clone(console.UBootAutoboot)
	for _, p := range candidates {
		base.Prompts = append(base.Prompts, p.Prompts...)
		base.Autoboot = append(base.Autoboot, p.Autoboot...)
	}
	// U-Boot answers Ctrl-C; the others stay silent and answer an empty line.
	base.Wake = []byte{'\r'}
	return base
}

// Detect tells which bootloader is behind a synced console: by its prompt,
// then by the banner it printed while Sync waited, then by its answer to
// "version" (U-Boot, RedBoot and barebox print their names; CFE and the
// Winbond loader reject it in words of their own).
func Detect(ctx context.Context, con *console.Console, candidates []*profile.Profile) (Found, error) {
	prompt := con.Prompt()
	if slices.Contains(console.DefaultPrompts, prompt) {
		return Found{Dialect: "uboot", Reason: fmt.Sprintf("its prompt %q is U-Boot's", prompt)}, nil
	}
	for _, p := range candidates {
		if slices.Contains(p.Prompts, prompt) {
			return found(p, fmt.Sprintf("its prompt %q is %s's", prompt, p.Name)), nil
		}
	}
	for _, p := range candidates {
		for _, b := range p.Banners {
			if strings.Contains(prompt, b) {
				return found(p, fmt.Sprintf("its prompt %q is %s's", prompt, p.Name)), nil
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
	return Found{}, fmt.Errorf("%w at the prompt %q: give --dialect uboot|winbond|cfe|redboot|barebox, or describe it in a profile (--dialect my.toml, see profiles/)", ErrUnknown, prompt)
}

func found(p *profile.Profile, reason string) Found {
	return Found{Dialect: p.Name, Profile: p, Reason: reason}
}

// fromText finds a line that names a bootloader.
func fromText(text, what string, candidates []*profile.Profile) (Found, bool) {
	for _, l := range strings.Split(text, "\n") {
		l = strings.Trim(l, "\r ")
		if strings.HasPrefix(l, "U-Boot 20") || strings.HasPrefix(l, "U-Boot 1.") || strings.HasPrefix(l, "U-Boot SPL") {
			return Found{Dialect: "uboot", Reason: fmt.Sprintf("%s %q", what, l)}, true
		}
		for _, p := range candidates {
			for _, b := range p.Banners {
				if strings.Contains(l, b) {
					return found(p, fmt.Sprintf("%s %q", what, l)), true
				}
			}
		}
	}
	return Found{}, false
}
