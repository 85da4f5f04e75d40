package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/dialect/uboot"
)

// all is every bootloader bootdump knows, in the order auto-detection
// asks: adding a bootloader is adding its entry here.
var all = []dialect.Bootloader{
	uboot.Ralink, // vendors' U-Boot builds first: their banners name U-Boot too
	uboot.LSDK,
	uboot.Bootloader,
	profile.Bootloader(profile.Winbond(), "the Winbond/Nuvoton W90P710/W90N745 camera loader: D -b/-h/-w -s, read twice; LS image table"),
	profile.Bootloader(profile.CFE(), "Broadcom CFE: d -b/-h/-w/-q, read twice"),
	profile.Bootloader(profile.RedBoot(), "eCos RedBoot: dump -1/-2/-4, verified by cksum"),
	profile.Bootloader(profile.Barebox(), "barebox: md -b/-w/-l/-q, verified by crc32"),
}

// All is every known bootloader.
func All() []dialect.Bootloader { return slices.Clone(all) }

// Names are the known bootloaders' names.
func Names() []string {
	var out []string
	for _, b := range all {
		out = append(out, b.Name)
	}
	return out
}

// Lookup finds a known bootloader by name.
func Lookup(name string) (dialect.Bootloader, bool) {
	for _, b := range all {
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
	for _, b := range candidates {
		if slices.Contains(b.Prompts, prompt) {
			return Found{b, fmt.Sprintf("its prompt %q is %s's", prompt, b.Human())}, nil
		}
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
	return Found{}, fmt.Errorf("%w at the prompt %q: give --dialect %s, or describe it in a profile (--dialect my.toml, see profiles/)",
		ErrUnknown, prompt, strings.Join(Names(), "|"))
}

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
