package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
	"github.com/bootdump/bootdump/restore"
)

// restoreImage writes FILE as an image of the bootloader's table.
func (a *app) restoreImage(ctx context.Context, path string, f *restoreFlags) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	img, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(img) == 0 {
		return fmt.Errorf("%s is empty: nothing to restore", path)
	}
	if err := a.refuseDamaged(ctx, path, f.force); err != nil {
		return err
	}
	opt := backup.ImageRestoreOptions{Name: f.image, Logger: a.log}
	// The dump that read the image kept its entry: it says where the image
	// goes when the table no longer lists it; --entry says it otherwise.
	entryFrom := ""
	if rec, err := dump.ReadRecord(dump.RecordPath(path)); err == nil && rec != nil && rec.Image != nil {
		opt.Entry, entryFrom = rec.Image, dump.RecordPath(path)+" records it"
	}
	if f.entry != "" {
		if opt.Entry, err = parseEntry(f.image, f.entry); err != nil {
			return usageError{err}
		}
		entryFrom = "--entry says"
	}
	dev, done, err := f.conn.open(ctx, a, dialect.Options{})
	if err != nil {
		return err
	}
	defer done()
	// A bar for each step: the upload to RAM, the one FX programs, the
	// read-back.
	var finish func()
	opt.Progress, finish = a.stepBars(f.image)
	plan, err := backup.PlanImageRestore(ctx, dev, img, opt)
	var no *backup.CannotError
	var none *backup.NoImageError
	switch {
	case errors.As(err, &no):
		return cannot(no.Dialect, "write images into a table: give --addr, where the image goes")
	case errors.As(err, &none):
		return fmt.Errorf("%w: give FILE's own dump (dump --image %s keeps the entry in FILE.bootdump.json), or --entry \"NUM BASE EXEC FLAGS\" as LS listed it, or check the name", err, f.image)
	case err != nil:
		return err
	}
	results := a.stdout
	if f.json {
		results = a.stderr
	}
	im := plan.Image
	from := "as the table lists it"
	if plan.Recorded {
		from = "as " + entryFrom + ": the table does not list it"
	}
	fmt.Fprintf(results, "%s -> image %d %s: %s at %#x, exec %#x, -%s (%s)\n", path, im.Num, im.Name, words.Size(im.Size), im.Base, im.Exec, im.Flags, from)
	took := plan.Estimate(dev.Baud)
	if !plan.Same {
		how := "once, by FX"
		if plan.Old != nil {
			how = "twice: to RAM first (MX), then by FX, which deletes the image it replaces before its own upload comes"
		}
		fmt.Fprintf(results, "upload: %s %s; then read back and compared; about %s at %d baud\n", words.Size(uint64(len(img))), how, took.Round(time.Second), dev.Baud)
		if took > slowRestore {
			fmt.Fprintf(results, "warning: this takes about %s: a faster line (--fast-baud 460800) shortens it\n", took.Round(time.Minute))
		}
	}
	var commands []string
	for _, c := range [][]string{plan.Stage, plan.Write, plan.Check} {
		commands = append(commands, c...)
	}
	if !plan.Same {
		for _, c := range commands {
			fmt.Fprintf(results, "  %s\n", c)
		}
	}
	report := func(res *restore.ImageResult) {
		if !f.json {
			return
		}
		out := map[string]any{"file": path, "image": im, "recorded": plan.Recorded, "same": plan.Same, "commands": orEmpty(commands),
			"dry_run": f.dryRun, "upload_bytes": plan.Uploaded(), "estimate_seconds": took.Seconds()}
		if res != nil {
			out["uploaded"], out["checked"], out["staged"], out["tries"] = res.Uploaded, res.Checked, res.Staged, res.Tries
			out["written"] = res.Checked > 0
		}
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	}
	if plan.Same {
		fmt.Fprintf(results, "nothing to write: the table lists image %d as it is, and the flash holds %s\n", im.Num, path)
		report(&restore.ImageResult{})
		return nil
	}
	if f.dryRun {
		report(nil)
		return nil
	}
	if !f.yes {
		replaces := ""
		if plan.Old != nil {
			replaces = fmt.Sprintf(" This replaces the image %d there.", im.Num)
		}
		if err := a.confirm(fmt.Sprintf("Write image %d %s (%s at %#x, about %s)?%s Type yes: ", im.Num, im.Name, words.Size(im.Size), im.Base, took.Round(time.Second), replaces)); err != nil {
			return err
		}
	}
	res, err := plan.Run(ctx)
	finish()
	var we *restore.WriteError
	if errors.As(err, &we) && we.Deleted != nil && opt.Entry == nil {
		// Its entry is gone with it: say how to write it again.
		d := we.Deleted
		return fmt.Errorf("%w (the entry for it: --entry \"%d %#x %#x %s\")", err, d.Num, d.Base, d.Exec, d.Flags)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(results, "written: image %d %s: %s uploaded in %s\n", im.Num, im.Name, words.Size(res.Uploaded), res.Elapsed.Round(time.Second))
	fmt.Fprintf(results, "done: LS lists image %d %s, %s at %#x, and its %s read back are the file's (the loader has no checksum command)\n", im.Num, im.Name, words.Size(im.Size), im.Base, words.Size(res.Checked))
	report(res)
	return nil
}

// parseEntry reads --entry, "NUM BASE EXEC [FLAGS]" as FX takes them and
// LS shows them, for the image name.
func parseEntry(name, spec string) (*dialect.Image, error) {
	f := strings.Fields(spec)
	bad := fmt.Errorf("--entry %q: give \"NUM BASE EXEC [FLAGS]\", as LS shows them (e.g. \"2 0x7f0e0000 0x7f0e0000 af\")", spec)
	if len(f) < 3 || len(f) > 4 {
		return nil, bad
	}
	num, err1 := strconv.Atoi(f[0])
	base, err2 := parseNumber(f[1])
	exec, err3 := parseNumber(f[2])
	flags := ""
	if len(f) == 4 {
		flags = strings.TrimPrefix(f[3], "-")
	}
	if err1 != nil || err2 != nil || err3 != nil || num < 0 || strings.Trim(flags, "acxfz") != "" {
		return nil, bad
	}
	// In LS's order: the table lists them so.
	var ordered []byte
	for _, c := range []byte("acxfz") {
		if strings.IndexByte(flags, c) >= 0 {
			ordered = append(ordered, c)
		}
	}
	return &dialect.Image{Num: num, Name: name, Base: base, Exec: exec, Flags: string(ordered)}, nil
}
