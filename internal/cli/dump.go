package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
)

type dumpFlags struct {
	conn                    connection
	unlisted                bool // read a range in none of the memory the bootloader lists
	addr, size, chunk, ram  uint64
	sizeAll                 bool // --size all: what the flash source holds
	chunkSet                bool
	retries                 int
	output, source, base    string
	image                   string // an image of the bootloader's table, or all
	reader                  string // md, binary or auto
	force, restart, json    bool
	raw, noSkip, noCompress bool
	started                 time.Time // when the command began: the summary's time is all of it
}

func (a *app) dumpCommand() *cobra.Command {
	var f dumpFlags
	addr, size, chunk := &numberFlag{v: &f.addr}, &numberFlag{v: &f.size, all: &f.sizeAll}, &numberFlag{v: &f.chunk}
	ram := &numberFlag{v: &f.ram}
	f.chunk = 64 << 10
	chunk.set = true // show the default in --help
	cmd := &cobra.Command{
		Use:   "dump -p PORT --addr A --size N -o FILE",
		Short: "Read memory or flash into a verified image file",
		Long:  dumpHelp,
		Example: `  bootdump dump -p /dev/ttyUSB0 --addr 0x9f000000 --size 16M -o flash.bin
  bootdump dump -p tcp://127.0.0.1:5555 --addr 0x04000000 --size 2M -o nor1.bin
  bootdump dump -p 'sim:uboot?image=fw.bin' --addr 0x04000000 --size 1M -o copy.bin
  bootdump dump -p /dev/ttyUSB0 --source mtd:nor1 --addr 0 --size all -o nor1.bin
  bootdump dump -p /dev/ttyUSB0 --source sf --addr 0 --size 16M -o spi.bin
  bootdump dump -p /dev/ttyUSB0 --image all -o camera/        (Winbond: every image LS lists)
  bootdump dump -p /dev/ttyUSB0 --dialect my-loader.toml --addr 0x80000000 --size 4M -o ram.bin`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.chunkSet = cmd.Flags().Changed("chunk")
			switch {
			case f.image != "" && (addr.set || size.set || f.sizeAll):
				return usagef("--image takes its address and size from the image table: leave out --addr and --size")
			case f.image != "":
				return a.dumpImages(cmd.Context(), &f)
			case !addr.set:
				return usagef("no address: give --addr, e.g. --addr 0x04000000")
			case !size.set && !f.sizeAll:
				return usagef("no size: give --size, e.g. --size 1M (or --size all with a flash --source)")
			}
			return a.dump(cmd.Context(), &f)
		},
	}
	f.conn.flags(cmd)
	fl := cmd.Flags()
	fl.Var(addr, "addr", "start address (0x hex, decimal, K/M/G)")
	fl.Var(size, "size", "bytes to read (e.g. 0x200000, 2M), or all: the rest of a flash source")
	fl.Var(chunk, "chunk", "bytes per verified chunk (multiple of 16)")
	fl.IntVar(&f.retries, "retries", 5, "re-reads of a chunk that fails its checks")
	fl.StringVarP(&f.output, "output", "o", "", "image file to write")
	fl.BoolVar(&f.force, "force", false, "replace an existing output file")
	fl.BoolVar(&f.unlisted, "unlisted", false, "read a range in none of the memory the bootloader lists (a boot ROM, registers)")
	fl.BoolVar(&f.restart, "restart", false, "discard an unfinished journal instead of resuming it")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.source, "source", "mem", "where to read: mem (memory-mapped), or flash copied to RAM first: "+flashSources()+" (--addr is then the offset in it)")
	fl.Var(ram, "ram", "RAM address to copy flash to (default: loadaddr, or the middle of DRAM)")
	cmd.RegisterFlagCompletionFunc("source", completeSources)
	fl.BoolVar(&f.raw, "raw", false, "with --source nand: dump each page with its spare (OOB) area, ECC uncorrected, bad blocks included (nand read.raw)")
	fl.BoolVar(&f.noSkip, "no-skip", false, "dump erased (all 0xff or 0x00) chunks too, instead of confirming them on the device")
	fl.StringVar(&f.image, "image", "", "dump an image the bootloader's table lists (Winbond LS) by name to -o FILE, or all of them into -o DIR")
	fl.StringVar(&f.base, "base", "", "an earlier image of the same range: unchanged chunks (same crc32) are copied from it")
	fl.StringVar(&f.reader, "reader", "auto", "how memory is read: md (the bootloader's text dump), binary (bootdump's reader, U-Boot only), or auto (binary where it can run and there is at least 64 KiB of data to read)")
	fl.BoolVar(&f.noCompress, "no-compress", false, "with the binary reader, send every block as it is instead of deflated on the device where that is shorter (code, tables, text)")
	return cmd
}

// options are the flags as the library takes them; what is wrong with
// them is a usage error, before anything is opened.
func (f *dumpFlags) options() (backup.DumpOptions, error) {
	if f.reader == "" {
		f.reader = "auto" // flags made in code (the demo's) rather than parsed
	}
	src, err := dialect.ParseSource(f.source)
	mem := src.Kind == dialect.Mem
	switch {
	case err != nil:
		return backup.DumpOptions{}, usageError{err}
	case f.output == "":
		return backup.DumpOptions{}, usagef("no output file: give -o FILE")
	case f.size == 0 && !f.sizeAll:
		return backup.DumpOptions{}, usagef("the size is 0: give the number of bytes to read, e.g. --size 1M")
	case f.sizeAll && mem:
		return backup.DumpOptions{}, usagef("--size all needs a flash source (e.g. --source mtd:nor1): memory has no size to ask for")
	case f.chunk == 0:
		return backup.DumpOptions{}, usagef("--chunk 0: give the bytes per verified chunk, a multiple of 16 such as 64K")
	case f.chunk < 16 || f.chunk%16 != 0 || f.chunk > 1<<30:
		return backup.DumpOptions{}, usagef("chunk %d: it must be a multiple of 16 bytes, e.g. --chunk 64K", f.chunk)
	case f.reader != "md" && f.reader != "binary" && f.reader != "auto":
		return backup.DumpOptions{}, usagef("--reader %q: md, binary or auto", f.reader)
	case f.reader == "binary" && !mem:
		return backup.DumpOptions{}, usagef("--reader binary reads memory: a flash --source is read with md through its RAM window")
	case f.retries < 0:
		return backup.DumpOptions{}, usagef("retries %d: it must be 0 or more", f.retries)
	case f.raw && src.Kind != dialect.NAND:
		return backup.DumpOptions{}, usagef("--raw reads NAND pages with their spare areas: give --source nand")
	case mem && f.addr+f.size < f.addr && f.addr+f.size != 0:
		return backup.DumpOptions{}, usagef("%#x + %#x runs past the top of the address space", f.addr, f.size)
	}
	retries, chunk := f.retries, int(f.chunk)
	if retries == 0 {
		retries = -1
	}
	if f.raw && !f.chunkSet {
		chunk = 0 // 32 pages with their spare areas
	}
	return backup.DumpOptions{
		Addr: f.addr, Size: f.size, All: f.sizeAll, Source: src, RAM: f.ram, Raw: f.raw,
		Reader: backup.ReaderChoice(f.reader), ChunkSize: chunk, Retries: retries, NoSkip: f.noSkip, Base: f.base,
		NoCompress: f.noCompress, Output: f.output, Force: f.force, Restart: f.restart, ReconnectTimeout: f.conn.reconnect,
	}, nil
}

func (a *app) dump(ctx context.Context, f *dumpFlags) error {
	if f.started.IsZero() {
		f.started = time.Now()
	}
	if err := f.conn.check(); err != nil {
		return err
	}
	opt, err := f.options()
	if err != nil {
		return err
	}
	view := a.newProgressView("dump")
	opt.Logger, opt.Progress = a.log, view.update
	// The output and the journal are checked before the port is touched.
	job, err := backup.PrepareDump(opt)
	if err != nil {
		return withAdvice("dump", err)
	}
	defer job.Close()
	hint := dialect.Options{}
	if opt.Source.Kind == dialect.Mem {
		hint = dialect.Options{Addr: opt.Addr, Size: opt.Size}
	}
	hint.NoUpload = opt.Reader == backup.ReadDump
	dev, done, err := f.conn.open(ctx, a, hint)
	if err != nil {
		return err
	}
	defer done()
	dev.AllowUnlisted = f.unlisted
	return a.runDump(ctx, f, job, dev, view)
}

// runDump runs a prepared backup on dev and reports it.
func (a *app) runDump(ctx context.Context, f *dumpFlags, job *backup.DumpJob, dev *backup.Device, view *progressView) error {
	res, err := job.Run(ctx, dev)
	view.finish()
	if res != nil && res.Resent > 0 {
		a.log.Info(fmt.Sprintf("the binary reader sent blocks again %s (damaged or lost on the line)", words.Plural(res.Resent, "time")))
	}
	var flashErr *backup.CannotError
	switch {
	case errors.As(err, &flashErr):
		return cannot(flashErr.Dialect, fmt.Sprintf("read flash through RAM (--source %s): read its memory-mapped flash with --addr and --size", f.source))
	case err != nil && res.Result == nil:
		return withAdvice("dump", err) // nothing was read: the range, the flash, the journal
	case err != nil && ctx.Err() != nil:
		done := res.Read + res.Resumed
		return fmt.Errorf("interrupted: %s of %s verified and kept in %s (its journal: %s); run the same command again to resume", words.Size(done), words.Size(res.Size), dump.PartPath(f.output), dump.RecordPath(f.output))
	case errors.Is(err, console.ErrClosed):
		return fmt.Errorf("%w; what was verified is kept in %s (its journal: %s): reconnect and run the same command again to resume", withAdvice("dump", err), dump.PartPath(f.output), dump.RecordPath(f.output))
	case err != nil:
		return fmt.Errorf("%w; what was verified is kept in %s (its journal: %s)", withAdvice("dump", err), dump.PartPath(f.output), dump.RecordPath(f.output))
	}
	if res.ContentsErr != nil {
		a.log.Warn("could not identify the image's contents", "err", res.ContentsErr)
	}
	a.summary(f, res, dev)
	if len(res.BadBlocks) > 0 {
		fmt.Fprintf(a.stderr, "bad blocks (not read, 0xff in the image): %s\n", words.HexList(res.BadBlocks))
	}
	return nil
}
