package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
	"github.com/bootdump/bootdump/restore"
)

// restoreRaw writes FILE from the flash's start on a bootloader that
// burns raw data (the Winbond loader's BX).
func (a *app) restoreRaw(ctx context.Context, dev *backup.Device, path string, img []byte, f *restoreFlags) error {
	opt := backup.RawRestoreOptions{Addr: f.addr, WriteBootloader: f.writeBootloader, Logger: a.log}
	// A finished dump of this range says the flash holds at least that
	// much, where the banner did not say its size.
	if rec, err := dump.ReadRecord(dump.RecordPath(path)); err == nil && rec != nil && rec.State == dump.StateComplete &&
		uint64(rec.Addr) == f.addr && rec.Size == uint64(len(img)) && rec.Source == "mem" {
		opt.Known = rec.Size
	}
	var finish func()
	opt.Progress, finish = a.stepBars("")
	plan, err := backup.PlanRawRestore(ctx, dev, img, opt)
	if err != nil {
		return err
	}
	results := a.stdout
	if f.json {
		results = a.stderr
	}
	cmd := plan.Commands[0]
	fmt.Fprintf(results, "%s -> %#x: %s of flash from its start by %s, the boot loader's own first block (%#x..%#x) too\n",
		path, f.addr, words.Size(uint64(len(img))), cmd, plan.Area.Start, plan.Area.Start+plan.Area.Block-1)
	took := plan.Estimate(dev.Baud)
	report := func(res *restore.RawResult) {
		if !f.json {
			return
		}
		out := map[string]any{"file": path, "addr": fmt.Sprintf("%#x", f.addr), "same": plan.Same, "commands": plan.Commands,
			"dry_run": f.dryRun, "estimate_seconds": took.Seconds()}
		if res != nil {
			out["uploaded"], out["checked"], out["written"] = res.Uploaded, res.Checked, res.Checked > 0
		}
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	}
	if plan.Same {
		fmt.Fprintf(results, "nothing to write: the flash already holds %s\n", path)
		report(&restore.RawResult{})
		return nil
	}
	fmt.Fprintf(results, "upload: %s once by %s, which erases and writes every block and compares it; then read back and compared; about %s at %d baud\n",
		words.Size(uint64(len(img))), cmd, took.Round(time.Second), dev.Baud)
	if took > slowRestore {
		fmt.Fprintf(results, "warning: this takes about %s: a faster line (--fast-baud 460800) shortens it\n", took.Round(time.Minute))
	}
	fmt.Fprintf(results, "warning: %s rewrites the boot loader's own block, whatever the image holds there\n", cmd)
	for _, c := range plan.Commands {
		fmt.Fprintf(results, "  %s\n", c)
	}
	if f.dryRun {
		report(nil)
		return nil
	}
	if err := plan.Refused(); err != nil {
		return err // before asking: the answer would change nothing
	}
	if !f.yes {
		if err := a.confirm(fmt.Sprintf("Write %s of flash from %#x, the boot loader's block too (about %s)? Type yes: ", words.Size(uint64(len(img))), f.addr, took.Round(time.Second))); err != nil {
			return err
		}
	}
	res, err := plan.Run(ctx)
	finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(results, "written: %s by %s in %s\n", words.Size(res.Uploaded), cmd, res.Elapsed.Round(time.Second))
	fmt.Fprintf(results, "done: the %s from %#x read back are the file's (the loader has no checksum command)\n", words.Size(res.Checked), f.addr)
	report(res)
	return nil
}
