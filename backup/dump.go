package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/words"
)

// ReaderChoice is how memory is read.
type ReaderChoice string

const (
	// ReadAuto reads with the bootloader's fast reader (U-Boot's binary
	// reader) where it can run and there is enough data to pay back its
	// setup (AutoFastFrom), else with its dump command.
	ReadAuto ReaderChoice = "auto"
	// ReadDump reads with the bootloader's dump command (md) and uploads
	// nothing.
	ReadDump ReaderChoice = "md"
	// ReadFast insists on the fast reader.
	ReadFast ReaderChoice = "binary"
)

// AutoFastFrom is the least data ReadAuto sets the fast reader up for: its
// setup (an upload, three runs, a dozen md lines) costs about what md
// takes for 16 KiB, and 64 KiB pays that back well.
const AutoFastFrom = 64 << 10

// DumpOptions describe a backup: what to read and where it goes, given
// once.
type DumpOptions struct {
	// Addr and Size are the range: addresses in memory, offsets in a
	// flash Source. All, instead of Size, reads the rest of a flash
	// source that says how big it is.
	Addr, Size uint64
	All        bool
	// Source is where to read: memory (the zero Source) or a flash the
	// bootloader copies into a RAM window first, placed at RAM (0: where
	// it loads things). Raw reads NAND pages with their spare areas.
	Source dialect.Source
	RAM    uint64
	Raw    bool
	Reader ReaderChoice // default ReadAuto
	// ChunkSize (default 64 KiB) is what one checksum proves; Retries
	// (default 5; negative for none) how often a chunk is read again.
	ChunkSize, Retries int
	NoSkip             bool   // read erased chunks too
	NoCompress         bool   // the fast reader sends every block as it is (dialect.FastOptions)
	Base               string // an earlier image: chunks whose checksum matches are copied from it
	// Image is the image table's entry the range is (the record keeps it).
	Image *dialect.Image
	// Output is the image file (written only once complete, beside the
	// journal a rerun resumes from); To, instead, any io.WriterAt that
	// takes the verified chunks in order (dump.Memory(buf), say). Force
	// replaces an existing Output; Restart discards its journal.
	Output         string
	To             io.WriterAt
	Force, Restart bool
	// ReconnectTimeout bounds the wait for a lost line (default 2 min; a
	// device opened on a port without a dialer gives up at once).
	ReconnectTimeout time.Duration
	Progress         func(dump.Progress)
	Logger           *slog.Logger
}

// DumpResult is a finished backup.
type DumpResult struct {
	*dump.Result
	// Addr and Size are the range read (after All, or Raw's pages with
	// their spare areas); BadBlocks the NAND blocks not read (offsets
	// from Addr, 0xFF in the image).
	Addr, Size uint64
	BadBlocks  []uint64
	// Resets counts every board reset survived, the fast reader's setup
	// included; Resent the times the fast reader was sent back for a
	// block damaged or lost.
	Resets, Resent int
	// Contents is what identify found in the image file (nil for a
	// writer, or when it could not look: ContentsErr).
	Contents    *identify.Report
	ContentsErr error
}

// ErrOptions: the options cannot describe a dump.
var ErrOptions = errors.New("invalid dump options")

// DumpJob is a backup checked before any device is touched: its options,
// its output and the journal it resumes.
type DumpJob struct {
	opt  DumpOptions
	job  *dump.Job      // nil until the size is known (All)
	fast dialect.Reader // the fast reader, once it runs
}

// PrepareDump checks a backup before the device is touched.
func PrepareDump(opt DumpOptions) (*DumpJob, error) {
	if opt.Reader == "" {
		opt.Reader = ReadAuto
	}
	if opt.Source.Kind == "" {
		opt.Source.Kind = dialect.Mem
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	mem := opt.Source.Kind == dialect.Mem
	switch {
	case opt.Size == 0 && !opt.All:
		return nil, fmt.Errorf("%w: the size is 0", ErrOptions)
	case opt.All && mem:
		return nil, fmt.Errorf("%w: memory has no size to read all of: give a size", ErrOptions)
	case opt.Reader != ReadAuto && opt.Reader != ReadDump && opt.Reader != ReadFast:
		return nil, fmt.Errorf("%w: reader %q: auto, md or binary", ErrOptions, opt.Reader)
	case opt.Reader == ReadFast && !mem:
		return nil, fmt.Errorf("%w: the binary reader reads memory; a flash is read through its RAM window", ErrOptions)
	case opt.Raw && opt.Source.Kind != dialect.NAND:
		return nil, fmt.Errorf("%w: raw reads are of NAND pages with their spare areas", ErrOptions)
	case opt.ChunkSize < 0 || opt.ChunkSize%16 != 0:
		return nil, fmt.Errorf("%w: a chunk is a multiple of 16 bytes", ErrOptions)
	}
	j := &DumpJob{opt: opt}
	if mem {
		if end := opt.Addr + opt.Size; end < opt.Addr && end != 0 {
			return nil, fmt.Errorf("%w: %#x + %#x runs past the top of the address space", ErrOptions, opt.Addr, opt.Size)
		}
		var err error
		j.job, err = dump.Prepare(j.engineOptions(opt.Addr, opt.Size, opt.ChunkSize, nil))
		return j, err
	}
	// A flash says how big it is only once its window is open: the
	// output is checked now, the room for it then.
	if opt.Output != "" {
		if err := dump.CheckOutput(opt.Output, 0, opt.Force); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// Close releases the output files; an unfinished dump stays resumable.
func (j *DumpJob) Close() error {
	if j.job == nil {
		return nil
	}
	return j.job.Close()
}

// Dump is PrepareDump and Run: a backup of dev, verified, as opt says.
func Dump(ctx context.Context, dev *Device, opt DumpOptions) (*DumpResult, error) {
	j, err := PrepareDump(opt)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	return j.Run(ctx, dev)
}

func (j *DumpJob) engineOptions(addr, size uint64, chunk int, choose func(context.Context, dump.Reader, uint64) dump.Reader) dump.Options {
	o := j.opt
	return dump.Options{
		Addr: addr, Size: size, ChunkSize: chunk, Retries: o.Retries, Output: o.Output, To: o.To,
		Force: o.Force, Restart: o.Restart, Source: o.Source.String(), NoSkip: o.NoSkip, Base: o.Base, Image: o.Image,
		ReconnectTimeout: o.ReconnectTimeout, Logger: o.Logger, Progress: o.Progress, Choose: choose,
	}
}

// Run reads the backup from dev: the range checked against what the
// board says it has, memory by the reader opt chose, a flash through its
// RAM window; every chunk verified; then what the image holds.
func (j *DumpJob) Run(ctx context.Context, dev *Device) (*DumpResult, error) {
	res := &DumpResult{Addr: j.opt.Addr, Size: j.opt.Size}
	var target dump.Target
	var err error
	if j.opt.Source.Kind == dialect.Mem {
		target, err = j.memory(ctx, dev)
	} else {
		target, err = j.flash(ctx, dev, res)
	}
	if err != nil {
		return res, err
	}
	j.job.Connected(dev.Port, dev.Baud)
	res.Result, err = j.job.RunTarget(ctx, target)
	if r, ok := dev.Session.(interface{ Resets() int }); ok {
		res.Resets = r.Resets()
	}
	if res.Result != nil {
		res.Resets += res.Result.Resets
	}
	if r, ok := j.fast.(interface{ Resent() int }); ok {
		res.Resent = r.Resent()
	}
	if err != nil {
		return res, err
	}
	if len(res.BadBlocks) > 0 && j.opt.Output != "" {
		err := dump.UpdateRecord(j.opt.Output, func(r *dump.Record) error {
			for _, b := range res.BadBlocks {
				r.BadBlocks = append(r.BadBlocks, dump.Hex(b))
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if j.opt.Output != "" {
		res.Contents, res.ContentsErr = Identify(ctx, j.opt.Output)
	}
	return res, nil
}

// memory is what reads a memory range: the range checked first (nothing
// beyond the board's address space, nothing past a NOR bank's end), the
// session told it, the reader as opt chose.
func (j *DumpJob) memory(ctx context.Context, dev *Device) (dump.Target, error) {
	addr, size := j.opt.Addr, j.opt.Size
	if err := dev.CheckRange(addr, size); err != nil {
		return dump.Target{}, err
	}
	if err := dev.CheckMapped(ctx, addr, size); err != nil {
		return dump.Target{}, err
	}
	if ru, ok := dev.Session.(dialect.RangeUser); ok {
		ru.UseRange(addr, size)
	}
	target := dump.TargetOf(dev.Session)
	switch j.opt.Reader {
	case ReadFast:
		r, err := startFast(ctx, dev.Session, dialect.FastOptions{Uncompressed: j.opt.NoCompress})
		if err != nil {
			return target, err
		}
		target.Reader, j.fast = r, r
	case ReadAuto:
		// Chosen once the survey has told how much data there is to read.
		j.job.Choosing(func(ctx context.Context, md dump.Reader, data uint64) dump.Reader {
			return j.autoReader(ctx, dev, md, data)
		})
	}
	return target, nil
}

// startFast puts the session's fast reader on the board.
func startFast(ctx context.Context, s dialect.Session, opt dialect.FastOptions) (dialect.Reader, error) {
	fr, ok := s.(dialect.FastReader)
	if !ok {
		return nil, fmt.Errorf("%w: it runs on U-Boot, not %s", dialect.ErrNoFastReader, s.Identity().Dialect)
	}
	return fr.StartFastReader(ctx, opt)
}

// autoReader is ReadAuto: the fast reader where it can run and data is
// worth its setup, else the dump command, as one line of the log says.
func (j *DumpJob) autoReader(ctx context.Context, dev *Device, md dump.Reader, data uint64) dump.Reader {
	log := j.opt.Logger
	if data < AutoFastFrom {
		log.Info(fmt.Sprintf("reading with md: %s of data to read, too little for the binary reader's setup to pay back (from %s)", words.Size(data), words.Size(AutoFastFrom)))
		return md
	}
	r, err := startFast(ctx, dev.Session, dialect.FastOptions{Uncompressed: j.opt.NoCompress})
	switch {
	case err == nil:
		j.fast = r
		return r
	case ctx.Err() != nil:
		return md
	}
	log.Info("reading with md: " + err.Error())
	// Back to a fresh prompt after the failed step; if that fails, the
	// engine's first read finds out and recovers as from any failure.
	if err := md.Resync(ctx); err != nil {
		log.Debug("resync after the binary reader's setup", "err", err)
	}
	return md
}

// flash is what reads a flash source: its RAM window, the range checked
// against what the flash holds, raw NAND pages, the bad blocks left out.
func (j *DumpJob) flash(ctx context.Context, dev *Device, res *DumpResult) (dump.Target, error) {
	o := j.opt
	fw, ok := dev.Session.(dialect.FlashWindower)
	if !ok {
		return dump.Target{}, &CannotError{Dialect: dev.Session.Identity(), What: "read flash through RAM (" + o.Source.String() + ")"}
	}
	chunk := uint64(o.ChunkSize)
	if chunk == 0 {
		chunk = 64 << 10
	}
	// A raw read takes pages with their spare areas: room for a bit more.
	window := chunk
	if o.Raw {
		window = max(chunk, 128<<10)
	}
	win, err := fw.OpenWindow(ctx, o.Source, dialect.WindowOptions{Size: window, RAM: o.RAM})
	if err != nil {
		return dump.Target{}, err
	}
	addr, size := o.Addr, o.Size
	if o.Raw {
		if err := win.Raw(); err != nil {
			return dump.Target{}, err
		}
		// The range counts page data; the image holds each page with its
		// spare area.
		page, unit := win.PageUnit()
		if addr%page != 0 || (!o.All && size%page != 0) {
			return dump.Target{}, &PageError{Page: page}
		}
		addr, size = addr/page*unit, size/page*unit
		if o.ChunkSize == 0 {
			chunk = 32 * unit
		}
		if chunk%unit != 0 || chunk%16 != 0 || chunk > window {
			return dump.Target{}, &PageError{Page: page, Unit: unit, Window: window}
		}
	}
	total := win.Size()
	if o.All {
		if total == 0 {
			return dump.Target{}, &UnknownSizeError{Source: o.Source}
		}
		if addr >= total {
			return dump.Target{}, &RangeError{Addr: addr, Size: 0, Source: o.Source, End: total}
		}
		size = total - addr
	}
	if total != 0 && (addr+size > total || addr+size < addr) {
		return dump.Target{}, &RangeError{Addr: addr, Size: size, Source: o.Source, End: total}
	}
	ram, _ := win.RAM()
	o.Logger.Info(fmt.Sprintf("reading %s (%s, %d bytes) through RAM at %#x", o.Source, win.Device().Name, total, ram))
	var bad []uint64
	for _, b := range win.BadBlocks() {
		if b+win.Device().EraseSize > addr && b < addr+size {
			bad = append(bad, b-min(b, addr))
		}
	}
	switch {
	case len(bad) > 0 && o.Raw:
		o.Logger.Warn(fmt.Sprintf("%d bad blocks: read raw like the rest, their spare areas carry the bad-block marker", len(bad)), "offsets", words.HexList(bad))
		bad = nil // nothing in the image stands for them
	case len(bad) > 0:
		o.Logger.Warn(fmt.Sprintf("%d bad blocks: they are not read, and the image holds 0xff there", len(bad)), "offsets", words.HexList(bad))
	}
	res.Addr, res.Size, res.BadBlocks = addr, size, bad
	if j.job, err = dump.Prepare(j.engineOptions(addr, size, int(chunk), nil)); err != nil {
		return dump.Target{}, err
	}
	return dump.TargetOf(win), nil
}
