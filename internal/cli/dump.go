package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
)

// checkRange refuses a range that wraps past the top of a 64-bit address
// space, before anything is sent (a usage error).
func checkRange(addr, size uint64) error {
	if end := addr + size; end < addr && end != 0 {
		return usagef("%#x + %#x runs past the top of the address space", addr, size)
	}
	return nil
}

type dumpFlags struct {
	conn     connection
	addr     uint64
	size     uint64
	chunk    uint64
	retries  int
	output   string
	force    bool
	restart  bool
	json     bool
	source   string
	sizeAll  bool // --size all: what the flash source holds
	ram      uint64
	raw      bool   // NAND pages with spare areas
	window   uint64 // RAM window size for a flash source
	chunkSet bool
	noSkip   bool
	base     string
	image    string    // an image of the bootloader's table, or all
	reader   string    // md, binary or auto
	started  time.Time // when the command began: the summary's time is all of it
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
		Long: `dump reads SIZE bytes at ADDR through the bootloader's memory-display command
and writes them to FILE once every chunk is read and verified by the device's
own checksum. FILE.bootdump.json records how; if the dump is interrupted it is
the journal the same command resumes from.

Flash the CPU cannot read directly (SPI NOR, NAND, MTD devices and partitions,
eMMC) is read with --source: each chunk is copied into RAM by the flash's own
command (sf read, nand read, mtd read, mmc read), checked and dumped there.
NAND bad blocks are not read: the image holds 0xff there and the record lists
them. See bootdump info for the devices and partitions a board has.

On U-Boot, memory is read with bootdump's binary reader where it can run: a
small program (ARM, AArch64, RISC-V 64, MIPS) that U-Boot runs as a
standalone image (bootm, or go) and that streams raw bytes in CRC-checked
blocks, about 4x what md's text carries on the same line. This is --reader
auto (the default): it sets the reader up once the erased chunks are known
and at least 64 KiB of data is left to read, and reads with md otherwise,
saying why in one line. --reader md never uploads anything; --reader binary
fails when the reader cannot run.`,
		Example: `  bootdump dump -p /dev/ttyUSB0 --addr 0x9f000000 --size 16M -o flash.bin
  bootdump dump -p tcp://127.0.0.1:5555 --addr 0x04000000 --size 2M -o nor1.bin
  bootdump dump -p 'sim:uboot?image=fw.bin' --addr 0x04000000 --size 1M -o copy.bin
  bootdump dump -p /dev/ttyUSB0 --source mtd:nor1 --addr 0 --size all -o nor1.bin
  bootdump dump -p /dev/ttyUSB0 --source sf --addr 0 --size 16M -o spi.bin
  bootdump dump -p /dev/ttyUSB0 --image all -o camera/        (Winbond: every image LS lists)
  bootdump dump -p /dev/ttyUSB0 --dialect my-loader.toml --addr 0x80000000 --size 4M -o ram.bin`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.image != "" {
				if addr.set || size.set || f.sizeAll {
					return usagef("--image takes its address and size from the image table: leave out --addr and --size")
				}
				return a.dumpImages(cmd.Context(), &f)
			}
			if !addr.set {
				return usagef("no address: give --addr, e.g. --addr 0x04000000")
			}
			f.chunkSet = cmd.Flags().Changed("chunk")
			if !size.set && !f.sizeAll {
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
	fl.BoolVar(&f.restart, "restart", false, "discard an unfinished journal instead of resuming it")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.source, "source", "mem", "where to read: mem (memory-mapped), or flash copied to RAM first: sf[:BUS:CS], nand, mtd:NAME, mmc:DEV (--addr is then the offset in it)")
	fl.Var(ram, "ram", "RAM address to copy flash to (default: loadaddr, or the middle of DRAM)")
	cmd.RegisterFlagCompletionFunc("source", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"mem", "sf", "nand", "mtd:", "mmc:0"}, cobra.ShellCompDirectiveNoSpace
	})
	fl.BoolVar(&f.raw, "raw", false, "with --source nand: dump each page with its spare (OOB) area, ECC uncorrected, bad blocks included (nand read.raw)")
	fl.BoolVar(&f.noSkip, "no-skip", false, "dump erased (all 0xff or 0x00) chunks too, instead of confirming them on the device")
	fl.StringVar(&f.image, "image", "", "dump an image the bootloader's table lists (Winbond LS) by name to -o FILE, or all of them into -o DIR")
	fl.StringVar(&f.base, "base", "", "an earlier image of the same range: unchanged chunks (same crc32) are copied from it")
	fl.StringVar(&f.reader, "reader", "auto", "how memory is read: md (the bootloader's text dump), binary (bootdump's reader, U-Boot only), or auto (binary where it can run and there is at least 64 KiB of data to read)")
	return cmd
}

func (a *app) dump(ctx context.Context, f *dumpFlags) error {
	if f.started.IsZero() {
		f.started = time.Now()
	}
	if err := f.conn.check(); err != nil {
		return err
	}
	if f.reader == "" {
		f.reader = "auto" // flags made in code (the demo's) rather than parsed
	}
	src, err := dialect.ParseSource(f.source)
	switch {
	case err != nil:
		return usageError{err}
	case f.output == "":
		return usagef("no output file: give -o FILE")
	case f.size == 0 && !f.sizeAll:
		return usagef("the size is 0: give the number of bytes to read, e.g. --size 1M")
	case f.sizeAll && src.Kind == "mem":
		return usagef("--size all needs a flash source (e.g. --source mtd:nor1): memory has no size to ask for")
	case f.chunk == 0:
		return usagef("--chunk 0: give the bytes per verified chunk, a multiple of 16 such as 64K")
	case f.chunk < 16 || f.chunk%16 != 0 || f.chunk > 1<<30:
		return usagef("chunk %d: it must be a multiple of 16 bytes, e.g. --chunk 64K", f.chunk)
	case f.reader != "md" && f.reader != "binary" && f.reader != "auto":
		return usagef("--reader %q: md, binary or auto", f.reader)
	case f.reader == "binary" && src.Kind != "mem":
		return usagef("--reader binary reads memory: a flash --source is read with md through its RAM window")
	case f.retries < 0:
		return usagef("retries %d: it must be 0 or more", f.retries)
	case f.raw && src.Kind != "nand":
		return usagef("--raw reads NAND pages with their spare areas: give --source nand")
	}
	if src.Kind != "mem" {
		// The output is checked before the port is touched; the room for
		// it once the flash has said how big it is (dump.Prepare).
		if err := dump.CheckOutput(f.output, 0, f.force); err != nil {
			return err
		}
		return a.dumpFlash(ctx, f, src)
	}
	if err := checkRange(f.addr, f.size); err != nil {
		return err
	}
	view := a.newProgressView("dump")
	var r dialect.Reader // what reads: md, or the binary reader
	var choose func(ctx context.Context, md dump.Reader, data uint64) dump.Reader
	if f.reader == "auto" {
		// asked by the engine once the survey has told how much data
		// there is to read
		choose = func(ctx context.Context, md dump.Reader, data uint64) dump.Reader {
			r = a.autoReader(ctx, md, data)
			return r
		}
	}
	job, err := a.prepareDump(f, view, choose)
	if err != nil {
		return err
	}
	defer job.Close()
	dev, done, err := f.conn.open(ctx, a, dialect.Options{Addr: f.addr, Size: f.size})
	if err != nil {
		return err
	}
	defer done()
	if err := dev.CheckRange(f.addr, f.size); err != nil {
		return err
	}
	if err := dev.CheckMapped(ctx, f.addr, f.size); err != nil {
		return err
	}
	r = dev.Session
	if f.reader == "binary" {
		if r, err = a.binaryReader(ctx, dev.Session); err != nil {
			return err
		}
	}
	err = a.runDump(ctx, f, job, r, dev, view, nil)
	if br, ok := r.(*uboot.BinaryReader); ok && br.Retransmitted > 0 {
		a.log.Info(fmt.Sprintf("the binary reader sent %s again (damaged on the line)", plural(br.Retransmitted, "block")))
	}
	return err
}

// dumpFlash reads a flash through a RAM window. The device is asked first:
// its size may be what --size all means, and the range must fit it.
func (a *app) dumpFlash(ctx context.Context, f *dumpFlags, src dialect.Source) error {
	// A raw read takes pages with their spare areas: room for a bit more.
	f.window = f.chunk
	if f.raw {
		f.window = max(f.chunk, 128<<10)
	}
	dev, win, done, err := f.conn.flashWindow(ctx, a, src, f.window, f.ram)
	if err != nil {
		return err
	}
	defer done()
	if f.raw {
		if err := win.Raw(); err != nil {
			return usageError{err}
		}
		// --addr and --size count page data; the image holds each page
		// with its spare area.
		page, unit := win.PageUnit()
		if f.addr%page != 0 || (!f.sizeAll && f.size%page != 0) {
			return usagef("--raw reads whole pages: --addr and --size must be multiples of the %d-byte page", page)
		}
		f.addr, f.size = f.addr/page*unit, f.size/page*unit
		if !f.chunkSet {
			f.chunk = 32 * unit
		}
		if f.chunk%unit != 0 || f.chunk%16 != 0 || f.chunk > f.window {
			return usagef("--chunk with --raw: a multiple of 16 pages of %d bytes (page and spare area), up to %d bytes", unit, f.window)
		}
	}
	total := win.Size()
	if f.sizeAll {
		if total == 0 {
			return fmt.Errorf("%s does not say how big it is: give --size", src)
		}
		if f.addr >= total {
			return fmt.Errorf("--addr %#x is beyond the end of %s (%#x bytes)", f.addr, src, total)
		}
		f.size = total - f.addr
	}
	if total != 0 && (f.addr+f.size > total || f.addr+f.size < f.addr) {
		return fmt.Errorf("%#x + %#x runs past the end of %s (%#x bytes): give a smaller --size, or --size all", f.addr, f.size, src, total)
	}
	ram, _ := win.RAM()
	a.log.Info(fmt.Sprintf("reading %s (%s, %d bytes) through RAM at %#x", src, win.Device().Name, total, ram))
	var bad []uint64
	for _, b := range win.BadBlocks() {
		if b+win.Device().EraseSize > f.addr && b < f.addr+f.size {
			bad = append(bad, b-min(b, f.addr))
		}
	}
	switch {
	case len(bad) > 0 && f.raw:
		a.log.Warn(fmt.Sprintf("%d bad blocks: read raw like the rest, their spare areas carry the bad-block marker", len(bad)), "offsets", hexList(bad))
		bad = nil // nothing in the image stands for them
	case len(bad) > 0:
		a.log.Warn(fmt.Sprintf("%d bad blocks: they are not read, and the image holds 0xff there", len(bad)), "offsets", hexList(bad))
	}
	view := a.newProgressView("dump")
	job, err := a.prepareDump(f, view, nil)
	if err != nil {
		return err
	}
	defer job.Close()
	return a.runDump(ctx, f, job, win, dev, view, bad)
}

// binaryReader puts the binary reader on the board (--reader binary).
func (a *app) binaryReader(ctx context.Context, md dialect.Reader) (dialect.Reader, error) {
	s, ok := md.(*uboot.Session)
	if !ok {
		return nil, fmt.Errorf("%w: it runs on U-Boot, not %s", uboot.ErrNoBinaryReader, md.Identity().Dialect)
	}
	return s.StartBinaryReader(ctx)
}

// autoBinaryFrom is the least data --reader auto reads with the binary
// reader: its setup (an upload, three runs, a dozen md lines) costs
// about what md takes for 16 KiB, and 64 KiB pays that back well.
const autoBinaryFrom = 64 << 10

// autoReader is --reader auto: the binary reader where it can run and
// data is worth its setup, else md, as one line says.
func (a *app) autoReader(ctx context.Context, md dialect.Reader, data uint64) dialect.Reader {
	if data < autoBinaryFrom {
		a.log.Info(fmt.Sprintf("reading with md: %s of data to read, too little for the binary reader's setup to pay back (from %s)", sizeText(data), sizeText(autoBinaryFrom)))
		return md
	}
	r, err := a.binaryReader(ctx, md)
	switch {
	case err == nil:
		return r
	case ctx.Err() != nil:
		return md
	}
	a.log.Info("reading with md: " + err.Error())
	if _, ok := md.(*uboot.Session); ok {
		// Back to a fresh prompt after the failed step; if that fails,
		// the engine's first read finds out and recovers as from any
		// failure.
		if err := md.Resync(ctx); err != nil {
			a.log.Debug("resync after the binary reader's setup", "err", err)
		}
	}
	return md
}

func hexList(vs []uint64) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, ", ")
}

// prepareDump prepares the job; choose, if set, picks the reader once the
// survey has told how much data there is to read.
func (a *app) prepareDump(f *dumpFlags, view *progressView, choose func(context.Context, dump.Reader, uint64) dump.Reader) (*dump.Job, error) {
	retries := f.retries
	if retries == 0 {
		retries = -1
	}
	return dump.Prepare(dump.Options{
		Addr: f.addr, Size: f.size, ChunkSize: int(f.chunk), Retries: retries, Output: f.output,
		Force: f.force, Restart: f.restart, Port: f.conn.port, Baud: f.conn.baud, Source: f.source,
		NoSkip: f.noSkip, Base: f.base, ReconnectTimeout: f.conn.reconnect, Logger: a.log, Progress: view.update,
		Choose: choose,
	})
}

// runDump runs a prepared job on r, a reader of dev, and reports; bad
// lists the NAND blocks the image holds 0xFF for.
func (a *app) runDump(ctx context.Context, f *dumpFlags, job *dump.Job, r dialect.Reader, dev *backup.Device, view *progressView, bad []uint64) error {
	res, err := backup.Run(ctx, job, r, f.output)
	view.finish()
	if err != nil {
		if ctx.Err() != nil {
			done := res.Read + res.Resumed
			return fmt.Errorf("interrupted: %s of %s verified and kept in %s; run the same command again to resume", sizeText(done), sizeText(f.size), dump.RecordPath(f.output))
		}
		if errors.Is(err, console.ErrClosed) {
			return fmt.Errorf("%w; what was verified is kept in %s: reconnect and run the same command again to resume", err, dump.RecordPath(f.output))
		}
		return fmt.Errorf("%w; what was verified is kept in %s", err, dump.RecordPath(f.output))
	}
	if res.ContentsErr != nil {
		a.log.Warn("could not identify the image's contents", "err", res.ContentsErr)
	}
	if len(bad) > 0 {
		err := dump.UpdateRecord(f.output, func(r *dump.Record) error {
			for _, b := range bad {
				r.BadBlocks = append(r.BadBlocks, dump.Hex(b))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	a.summary(f, res.Result, dev, res.Contents)
	if len(bad) > 0 {
		fmt.Fprintf(a.stderr, "bad blocks (not read, 0xff in the image): %s\n", hexList(bad))
	}
	return nil
}

func verifiedBy(checksum string) string {
	if checksum == "" {
		return "reading twice"
	}
	return checksum
}

// summary prints the one line a person reads, and --json for scripts.
func (a *app) summary(f *dumpFlags, res *dump.Result, dev *backup.Device, contents *identify.Report) {
	rec := res.Record
	elapsed := res.Elapsed
	if !f.started.IsZero() {
		elapsed = time.Since(f.started) // connecting and the reader's setup included
	}
	secs := elapsed.Seconds()
	resets := res.Resets
	if r, ok := dev.Session.(interface{ Resets() int }); ok {
		resets += r.Resets() // met outside the engine's reads
	}
	rate := float64(res.Read) / max(secs, 1e-9)
	ceiling := float64(dev.Baud) / 10 * 16 / float64(dev.Session.LineChars(f.addr))
	// This run's chunks; those verified by the device's checksum carry its
	// name.
	count := res.Verified
	dumped := 0
	for how, n := range count {
		if how != dump.VerifiedErased && how != dump.VerifiedBase {
			dumped += n
		}
	}
	id := rec.Device
	where := ""
	if f.source != "mem" {
		where = " of " + f.source
	}
	// A short block for people: on standard output, unless JSON is there.
	var block strings.Builder
	fmt.Fprintf(&block, "done: %s at %#x%s -> %s, verified by %s\n", sizeText(f.size), f.addr, where, f.output, verifiedBy(id.Checksum))
	if id.Command != dev.Session.Identity().Command {
		fmt.Fprintf(&block, "  read by  %s\n", id.Command)
	}
	speed := fmt.Sprintf("%s, %s/s", elapsed.Round(100*time.Millisecond), sizeText(uint64(rate)))
	md := dev.Session.Identity().Command // the ceiling is md's, whatever read
	switch {
	case strings.HasPrefix(f.conn.port, "tcp://"):
		// no line rate to compare with
	case rate <= 1.02*ceiling:
		speed += fmt.Sprintf(": %.0f%% of what %s carries at %d baud", 100*rate/ceiling, md, dev.Baud)
	default:
		speed += fmt.Sprintf(": %.1fx what %s carries at %d baud", rate/ceiling, md, dev.Baud)
	}
	fmt.Fprintf(&block, "  time     %s\n", speed)
	chunks := fmt.Sprintf("%d dumped", dumped)
	if n := count[dump.VerifiedErased]; n > 0 {
		chunks += fmt.Sprintf(", %d erased (checked on the device)", n)
	}
	if n := count[dump.VerifiedBase]; n > 0 {
		chunks += fmt.Sprintf(", %d from the base image", n)
	}
	fmt.Fprintf(&block, "  chunks   %s\n", chunks)
	if res.ChunksResumed+res.ChunksReread > 0 {
		fmt.Fprintf(&block, "  resumed  %s (%s) from the journal, each checked on the device first; %d read again because the device had changed\n",
			sizeText(res.Resumed), plural(res.ChunksResumed, "chunk"), res.ChunksReread)
	}
	if res.Retries+resets+res.Reconnects > 0 {
		fmt.Fprintf(&block, "  trouble  %s; survived %s and %s\n", plural(res.Retries, "retry"), plural(resets, "reset"), plural(res.Reconnects, "lost connection"))
	}
	fmt.Fprintf(&block, "  sha256   %s\n", rec.SHA256)
	results := a.stdout
	if f.json {
		out := map[string]any{
			"output": f.output, "record": dump.RecordPath(f.output), "addr": fmt.Sprintf("%#x", f.addr),
			"size": f.size, "seconds": secs, "bytes_per_second": rate, "line_rate_ceiling": ceiling,
			"efficiency": rate / ceiling, "bytes_read": res.Read, "bytes_resumed": res.Resumed,
			"chunks": len(rec.Chunks), "chunks_read": res.ChunksRead, "retries": res.Retries,
			"chunks_dumped": dumped, "chunks_resumed": res.ChunksResumed, "chunks_reread": res.ChunksReread, "resets": resets, "reconnects": res.Reconnects, "chunks_erased": count[dump.VerifiedErased],
			"chunks_from_base": count[dump.VerifiedBase], "baud": dev.Baud,
			"sha256": rec.SHA256, "crc32": rec.CRC32, "device": id, "contents": contents,
		}
		enc := newJSON(a.stdout)
		enc.Encode(out)
		results = a.stderr
	}
	io.WriteString(results, block.String())
	if contents != nil {
		contents.WriteShort(results)
	}
}

// plural counts things in words: 1 chunk, 2 chunks, 3 retries.
func plural(n int, thing string) string {
	switch {
	case n == 1:
		return "1 " + thing
	case strings.HasSuffix(thing, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// sizeText is a size as people read it: 512 bytes, 64 KiB, 1.5 MiB.
func sizeText(n uint64) string {
	switch {
	case n >= 1<<30:
		return trimZero(fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)))
	case n >= 1<<20:
		return trimZero(fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)))
	case n >= 1<<10:
		return trimZero(fmt.Sprintf("%.1f KiB", float64(n)/(1<<10)))
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(s string) string { return strings.Replace(s, ".0 ", " ", 1) }
