package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
	"github.com/bootdump/bootdump/restore"
)

type restoreFlags struct {
	conn   connection
	addr   uint64
	flash  string
	ram    uint64
	dryRun bool
	yes    bool
	force  bool
	json   bool
	// writeBootloader: blocks that hold the bootloader may be written
	writeBootloader bool
	image           string // an image of the bootloader's table, by name
	entry           string // its entry, where the table does not list it: "NUM BASE EXEC [FLAGS]"
}

func (a *app) restoreCommand() *cobra.Command {
	var f restoreFlags
	addr, ram := &numberFlag{v: &f.addr}, &numberFlag{v: &f.ram}
	cmd := &cobra.Command{
		Use:   "restore -p PORT FILE --addr A",
		Short: "Write an image back to NOR, SPI NOR or NAND flash, or into a bootloader's image table, verified",
		Long: `restore writes FILE to the flash at --addr through U-Boot. It first compares
every erase block with the device's crc32 and plans to write only those that
differ; it prints every command it will send (--dry-run stops there) and asks
before writing (--yes on a script), with how long the upload takes. Each run
of blocks that differ goes to RAM on its own, cut after its last byte that is
not 0xFF, by the board's loader (loady, loadb, loadx, loads), else by the
binary reader (put on the board once with mw.l), else mw.l; it is checked
there by crc32, then each block is unprotected, erased, programmed with cp.b
and checked by crc32 in flash before the next. Interrupted, it leaves no block it believes good that
is not: run the same command again and it writes what still differs.

With --image NAME (the Winbond loader) FILE becomes that image of the
bootloader's table: its number, base, exec address and flags as LS lists
them, or as FILE's dump record keeps them (dump --image). FX programs it;
as FX deletes the image it replaces before its own upload comes, the file
goes to RAM first (MX), where a failed upload changes nothing. Then LS
must list it, and it is read back and compared: the loader has no
checksum command. --addr 0x7f000000 on that loader writes a whole flash
image from its start with BX (its own first block too: --write-bootloader),
then reads it back.

It refuses an image in which identify finds a damaged part (--force writes
it anyway), a range that does not fit the flash bank or cuts an erase
block, and, without --write-bootloader, to write a block that holds the
bootloader in the image (sectors U-Boot protected are protected again after). --flash sf (sf erase, sf write) and --flash nand (nand erase,
nand write; bad blocks are left alone) read each block back through a RAM
window to check it.`,
		Example: `  bootdump restore -p /dev/ttyUSB0 backup.bin --addr 0x9f000000 --dry-run
  bootdump restore -p /dev/ttyUSB0 backup.bin --addr 0x9f000000
  bootdump restore -p tcp://127.0.0.1:5555 nor1.bin --addr 0x04000000 --yes
  bootdump restore -p /dev/ttyUSB0 spi.bin --flash sf --addr 0 --yes
  bootdump restore -p /dev/ttyUSB0 romfs.img --image romfs.img       (Winbond: an image of LS)`,
		Args: oneArg("FILE, the image to write"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.image != "" {
				if addr.set || cmd.Flags().Changed("flash") {
					return usagef("--image takes where the image goes from the bootloader's image table: leave out --addr and --flash")
				}
				if f.entry != "" {
					if _, err := parseEntry(f.image, f.entry); err != nil {
						return usageError{err}
					}
				}
				return a.restoreImage(cmd.Context(), args[0], &f)
			}
			if !addr.set {
				return usagef("no address: give --addr, where the image goes (e.g. --addr 0x04000000), or --image NAME for an image of the bootloader's table")
			}
			return a.restore(cmd.Context(), args[0], &f)
		},
	}
	f.conn.flags(cmd)
	fl := cmd.Flags()
	fl.Var(addr, "addr", "flash address the image starts at")
	fl.StringVar(&f.flash, "flash", "nor", "the flash to write: "+programmableFlash()+" (nor is memory-mapped: --addr is the address; in the others it is the offset)")
	fl.Var(ram, "ram", "RAM address to upload to (default: loadaddr, or the middle of DRAM)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan and every command, write nothing")
	fl.BoolVar(&f.yes, "yes", false, "write without asking")
	fl.BoolVar(&f.force, "force", false, "write even an image identify finds damaged parts in")
	fl.BoolVar(&f.writeBootloader, "write-bootloader", false, "write even the blocks that hold the bootloader (a failed write there needs a flash programmer)")
	fl.BoolVar(&f.json, "json", false, "print the plan and result as JSON on stdout")
	fl.StringVar(&f.image, "image", "", "write FILE as this image of the bootloader's table (Winbond: FX), where LS lists it or FILE's dump record says")
	fl.StringVar(&f.entry, "entry", "", `with --image, its entry where the table does not list it and FILE has no dump record: "NUM BASE EXEC [FLAGS]", as LS showed it (e.g. "2 0x7f0e0000 0x7f0e0000 af")`)
	return cmd
}

func (a *app) restore(ctx context.Context, path string, f *restoreFlags) error {
	if err := f.conn.check(); err != nil {
		return err
	}
	kind := dialect.FlashKind(f.flash)
	if !slices.Contains(dialect.Programmable(), kind) {
		return usagef("--flash %q: give %s", f.flash, programmableFlash())
	}
	img, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(img) == 0 {
		return fmt.Errorf("%s is empty: nothing to restore", path)
	}
	if end := f.addr + uint64(len(img)); end < f.addr && end != 0 {
		return usagef("%#x + %#x runs past the top of the address space", f.addr, len(img))
	}
	if err := a.refuseDamaged(ctx, path, f.force); err != nil {
		return err
	}
	hint := dialect.Options{}
	if kind == dialect.NOR {
		hint = dialect.Options{Addr: f.addr, Size: uint64(len(img))}
	}
	dev, done, err := f.conn.open(ctx, a, hint)
	if err != nil {
		return err
	}
	defer done()
	if _, ok := dialect.BurnsRaw(dev.Session); ok && kind == dialect.NOR {
		return a.restoreRaw(ctx, dev, path, img, f)
	}
	var view *progressView
	plan, err := backup.PlanRestore(ctx, dev, img, backup.RestoreOptions{Addr: f.addr, Flash: kind, RAM: f.ram, Logger: a.log, WriteBootloader: f.writeBootloader,
		Progress: func(done, total int, what string) {
			if strings.HasPrefix(what, "uploading") {
				view.update(dump.Progress{Done: uint64(done), Total: uint64(total)})
			}
		}})
	var no *backup.CannotError
	switch {
	case errors.As(err, &no) && strings.HasPrefix(no.What, "read flash"):
		return cannot(no.Dialect, "read flash through RAM (--source "+f.flash+"): read its memory-mapped flash with --addr and --size")
	case errors.As(err, &no):
		return cannot(no.Dialect, "write flash")
	case err != nil:
		return withAdvice("restore", err)
	}
	// The plan and the result go to standard output, unless JSON holds
	// them there.
	results := a.stdout
	if f.json {
		results = a.stderr
	}
	fmt.Fprintf(results, "%s -> %#x: %d of %d erase blocks differ from the device (by the device's %s)\n", path, f.addr, plan.Changed(), len(plan.Blocks), plan.Algorithm)
	took := plan.Estimate(dev.Baud)
	if plan.Changed() > 0 {
		fmt.Fprintf(results, "upload: %s in %s by %s, about %s at %d baud%s\n", words.Size(plan.Uploaded()), words.Plural(len(plan.Segments), "part"),
			plan.Way.Command, took.Round(time.Second), dev.Baud, setupNote(plan.Way))
		if took > slowRestore {
			fmt.Fprintf(results, "warning: the upload takes about %s: the board has no loader faster than %s\n", took.Round(time.Minute), plan.Way.Command)
		}
	}
	for _, b := range plan.Bootloader() {
		fmt.Fprintf(results, "warning: the erase block at %#x holds %s in the image: writing it replaces the bootloader\n", b.Addr, b.Bootloader)
	}
	for _, c := range plan.Commands {
		fmt.Fprintf(results, "  %s\n", c)
	}
	report := func(res *restore.Result) {
		if f.json {
			enc := newJSON(a.stdout)
			enc.SetIndent("", "  ")
			out := map[string]any{"file": path, "addr": fmt.Sprintf("%#x", f.addr), "blocks": len(plan.Blocks),
				"changed": plan.Changed(), "commands": orEmpty(plan.Commands), "dry_run": f.dryRun,
				"upload_way": plan.Way.Command, "upload_bytes": plan.Uploaded(), "estimate_seconds": took.Seconds()}
			if res != nil {
				out["written"], out["unchanged"], out["bad"], out["uploaded"] = res.Written, res.Unchanged, res.Bad, res.Uploaded
				out["final_pass"] = res.Final
				if res.EraseUnit != 0 {
					out["erase_unit"] = res.EraseUnit
				}
			}
			enc.Encode(out)
		}
	}
	if plan.Changed() == 0 {
		fmt.Fprintf(results, "nothing to write: the flash already holds %s\n", path)
		report(&restore.Result{Unchanged: len(plan.Blocks)})
		return nil
	}
	if f.dryRun {
		report(nil)
		return nil
	}
	if bl := plan.Bootloader(); len(bl) > 0 && !f.writeBootloader {
		return &backup.BootloaderError{Blocks: bl}
	}
	if !f.yes {
		if err := a.confirm(fmt.Sprintf("Write %s of flash at %#x (about %s)? This erases what is there. Type yes: ", words.Plural(plan.Changed(), "erase block"), f.addr, took.Round(time.Second))); err != nil {
			return err
		}
	}
	view = a.newProgressView("upload")
	res, err := plan.Run(ctx)
	view.finish()
	if err != nil {
		if res != nil && res.Written > 0 {
			return fmt.Errorf("%w (%d blocks were written and verified before that)", err, res.Written)
		}
		return err
	}
	fmt.Fprintf(results, "written: %s, each verified by "+plan.Algorithm+" in flash, %d already identical, %d bad (left alone); %s uploaded; %s\n",
		words.Plural(res.Written, "block"), res.Unchanged, res.Bad, words.Size(res.Uploaded), res.Elapsed.Round(1e6))
	fmt.Fprintf(results, "done: the final check found all %d blocks of the range holding the image", res.Final.Checked)
	if n := len(res.Final.Rewritten); n > 0 {
		fmt.Fprintf(results, " (%d failed it once and were written again)", n)
	}
	fmt.Fprintln(results)
	if res.EraseUnit != 0 {
		fmt.Fprintf(results, "note: this flash erases %#x bytes at a time, more than the bootloader says\n", res.EraseUnit)
	}
	report(res)
	return nil
}

// slowRestore is an upload long enough to say so before it starts.
const slowRestore = 10 * time.Minute

// setupNote says what an upload costs before its first byte.
func setupNote(way dialect.UploadWay) string {
	if way.Setup == 0 {
		return ""
	}
	return fmt.Sprintf(" (with the %s put on the board first: the board has no loader)", way.Command)
}

// refuseDamaged stops a restore of an image identify finds damaged.
func (a *app) refuseDamaged(ctx context.Context, path string, force bool) error {
	rep, err := scanFile(ctx, path)
	if err != nil {
		return err
	}
	var bad []string
	for _, f := range rep.Damaged() {
		bad = append(bad, fmt.Sprintf("%s at %#x (%s)", f.Type, f.Offset, f.Reason))
	}
	if len(bad) == 0 {
		return nil
	}
	if force {
		a.log.Warn("writing an image with damaged parts, as --force asks", "parts", strings.Join(bad, "; "))
		return nil
	}
	return fmt.Errorf("%s holds damaged parts: %s; restoring it would write them to flash (check the file; --force writes it anyway)", path, strings.Join(bad, "; "))
}

// confirm asks on the terminal; without one it refuses.
func (a *app) confirm(question string) error {
	if a.stdin == nil || !term.IsTerminal(int(a.stdin.Fd())) {
		return fmt.Errorf("not asking for confirmation: standard input is not a terminal; give --yes to write without asking")
	}
	fmt.Fprint(a.stderr, question)
	answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		return fmt.Errorf("not confirmed: nothing was written")
	}
	return nil
}
