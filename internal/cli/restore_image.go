package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
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
	// goes when the table no longer lists it.
	if rec, err := dump.ReadRecord(dump.RecordPath(path)); err == nil && rec != nil && rec.Image != nil {
		opt.Entry = rec.Image
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
		return fmt.Errorf("%w: give FILE's own dump (dump --image %s keeps the entry in %s), or check the name", err, f.image, "FILE.bootdump.json")
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
		from = "as " + dump.RecordPath(path) + " records it: the table does not list it"
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
	if err != nil {
		return err
	}
	fmt.Fprintf(results, "written: image %d %s: %s uploaded in %s\n", im.Num, im.Name, words.Size(res.Uploaded), res.Elapsed.Round(time.Second))
	fmt.Fprintf(results, "done: LS lists image %d %s, %s at %#x, and its %s read back are the file's (the loader has no checksum command)\n", im.Num, im.Name, words.Size(im.Size), im.Base, words.Size(res.Checked))
	report(res)
	return nil
}
