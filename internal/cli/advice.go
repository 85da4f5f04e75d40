package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/dump"
)

// The library says what went wrong in its own words; the command line
// adds what to type instead. advised keeps the error it advises on (for
// errors.Is and the exit status).
type advised struct {
	msg string
	err error
}

func (a advised) Error() string { return a.msg }
func (a advised) Unwrap() error { return a.err }

func advise(err error, format string, args ...any) error {
	return advised{fmt.Sprintf(format, args...), err}
}

// withAdvice is err with the flags that mend it, for the command cmd.
func withAdvice(cmd string, err error) error {
	var out *dump.OutputError
	var journal *dump.JournalError
	var rng *backup.RangeError
	var page *backup.PageError
	var unknown *registry.UnknownError
	var sync *console.SyncError
	var unsized *backup.UnknownSizeError
	switch {
	case errors.As(err, &sync):
		return advise(err, "%v%s", err, syncAdvice(sync))
	case errors.As(err, &unknown):
		return advise(err, "%v at the prompt %q: give --dialect %s, or describe it in a profile (--dialect my.toml, see profiles/)",
			registry.ErrUnknown, unknown.Prompt, strings.Join(registry.Names(), "|"))
	case err == nil:
		return nil
	case errors.As(err, &out):
		return adviseOutput(out)
	case errors.As(err, &journal) && journal.Other != nil:
		return advise(err, "%v; repeat that command to resume it, or add --restart to discard it", err)
	case errors.As(err, &journal):
		return advise(err, "%v; add --restart to start over", err)
	case errors.Is(err, dump.ErrOtherDevice):
		return advise(err, "%v: run with --restart to start over", err)
	case errors.Is(err, dump.ErrDamagedJournal):
		return advise(err, "%v (delete it, or use --restart)", err)
	case errors.As(err, &rng) && rng.Bank != nil && cmd == "verify":
		return advise(err, "%v: the file is longer than the %#x bytes the flash holds from --addr; check --addr and the file", err, rng.Fits())
	case errors.As(err, &rng) && rng.Bank != nil:
		return advise(err, "%v: give --size %#x or less", err, rng.Fits())
	case errors.As(err, &rng) && rng.Size == 0:
		return advise(err, "--addr %#x is beyond the end of %s (%#x bytes)", rng.Addr, rng.Source, rng.End)
	case errors.As(err, &rng) && cmd == "dump":
		return advise(err, "%v: give a smaller --size, or --size all", err)
	case errors.As(err, &page) && page.Unit != 0:
		return usageError{advise(err, "--chunk with --raw: a multiple of 16 pages of %d bytes (page and spare area), up to %d bytes", page.Unit, page.Window)}
	case errors.As(err, &page):
		return usageError{advise(err, "--raw reads whole pages: --addr and --size must be multiples of the %d-byte page", page.Page)}
	case errors.As(err, &unsized):
		return advise(err, "%s does not say how big it is: give --size", unsized.Source)
	case errors.Is(err, dialect.ErrNoWindowRAM):
		return advise(err, "%v (give --ram)", err)
	case errors.Is(err, dialect.ErrWindowTooSmall):
		return advise(err, "%v: use a smaller --chunk", err)
	}
	return err
}

// syncAdvice is what to give when no prompt was found.
func syncAdvice(e *console.SyncError) string {
	switch {
	case e.Linux != "" && e.Cycles > 0:
		return "; give --stop-keys"
	case e.Linux != "":
		return ", or give --power-cycle CMD"
	case e.WrongRate():
		return "; try -b auto, which listens at each common rate for the one that gives text"
	case e.Received > 0:
		return ", or set --stop-keys"
	}
	return ""
}

// adviseOutput says what to give -o instead.
func adviseOutput(e *dump.OutputError) error {
	switch e.Problem {
	case dump.OutputStdout:
		return advise(e, "-o - would write to standard output, but the image is written only once every chunk is verified, beside the journal a resume needs: give a file name (then cat it)")
	case dump.OutputFolder:
		return advise(e, "%s is a folder: give -o a file name, e.g. %s", e.Path, filepath.Join(e.Path, "flash.bin"))
	case dump.OutputNotFile:
		return advise(e, "%s is not a regular file (%s): bootdump never replaces it; give -o a file name", e.Path, e.Detail)
	case dump.OutputExists:
		return advise(e, "%s exists; choose another -o, or --force to replace it", e.Path)
	case dump.OutputNoFolder:
		return advise(e, "the folder %s does not exist: create it, or choose another -o", e.Path)
	case dump.OutputReadOnly:
		return advise(e, "cannot write in %s (%s): choose another -o", e.Path, e.Detail)
	case dump.OutputNoRoom:
		return advise(e, "%v: free some space, or choose another -o", e)
	}
	return e
}

// cannot is the sentence that refuses what a bootloader cannot do.
func cannot(id dialect.Identity, what string) error {
	return fmt.Errorf("the device runs %s (%s), which cannot %s", registry.Human(id.Dialect), id.Detected, what)
}
