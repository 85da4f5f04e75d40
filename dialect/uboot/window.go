package uboot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bootdump/bootdump/dialect"
)

// ErrNoFlashCommand: the build lacks the command a source needs.
var ErrNoFlashCommand = errors.New("the bootloader has no command for this flash")

// Window reads a flash the CPU cannot map through a window of RAM: each
// range is copied into RAM with the flash's own command (sf read, nand
// read, mtd read, mmc read), then checksummed, compared and dumped there
// like memory. Addresses given to it are offsets in the flash.
type Window struct {
	s      *Session
	src    dialect.Source
	device dialect.Flash
	base   uint64 // an mtd partition's offset in its device
	size   uint64 // what the source holds (a partition's size)
	align  uint64 // the copy command's unit: a NAND page, an MMC block
	bad    []uint64
	raw    bool // NAND pages with their spare areas (nand read.raw)

	loaded   bool
	from, to uint64 // the flash range the RAM window holds
}

// reserveWindow finds RAM for the window: at opt.RAM, or where U-Boot
// loads things, clear of the range the session reads.
func (s *Session) reserveWindow(ctx context.Context, opt dialect.WindowOptions) error {
	size := max(opt.Size, 64<<10)
	if s.windowSize >= size && (opt.RAM == 0 || opt.RAM == s.windowRAM) {
		return nil
	}
	ram := opt.RAM
	if ram == 0 {
		s.windowRAM, s.windowSize = 0, 0
		var err error
		if ram, err = s.findScratch(ctx, size); err != nil {
			return fmt.Errorf("%w: %w", dialect.ErrNoWindowRAM, err)
		}
	}
	s.windowRAM, s.windowSize = ram, size
	if s.scratch != 0 && !s.outsideRange(s.scratch, max(s.scratchLen, 1)) {
		s.scratch, s.scratchLen, s.scratchFill = 0, 0, -1
	}
	return nil
}

// OpenWindow prepares reading src through the session's RAM window
// (Options.Window): it probes the device and learns its size, erase blocks
// and, on NAND, its bad blocks.
func (s *Session) OpenWindow(ctx context.Context, src dialect.Source, opt dialect.WindowOptions) (dialect.FlashWindow, error) {
	return s.openWindow(ctx, src, opt)
}

func (s *Session) openWindow(ctx context.Context, src dialect.Source, opt dialect.WindowOptions) (*Window, error) {
	if err := s.reserveWindow(ctx, opt); err != nil {
		return nil, err
	}
	w := &Window{s: s, src: src, align: 1}
	missing := func(cmd string) error {
		return fmt.Errorf("%w: %s is not in this U-Boot build (see help)", ErrNoFlashCommand, cmd)
	}
	switch src.Kind {
	case dialect.SPI:
		f, err := s.ProbeSF(ctx, src.Name)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, missing("sf")
		}
		w.device = *f
	case dialect.NAND:
		f, err := s.NAND(ctx)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, missing("nand")
		}
		w.device, w.align, w.bad = *f, max(f.PageSize, 1), f.BadBlocks
		// nand info leaves out the size; mtd list, where the build has
		// it, tells.
		devs, err := s.MTDDevices(ctx)
		if err != nil {
			return nil, err
		}
		w.device.Size = sizeFromMTD(f.Name, devs)
	case dialect.MTD:
		devs, err := s.MTDDevices(ctx)
		if err != nil {
			return nil, err
		}
		if devs == nil {
			return nil, missing("mtd")
		}
		if err := w.findMTD(ctx, devs); err != nil {
			return nil, err
		}
	case dialect.MMC:
		lines, err := s.con.Output(ctx, "mmc dev "+src.Name)
		if err != nil {
			return nil, err
		}
		if unknownCommand(lines) {
			return nil, missing("mmc")
		}
		if !strings.Contains(strings.Join(lines, "\n"), "is current device") {
			return nil, fmt.Errorf("mmc dev %s: %s", src.Name, strings.Join(lines, " / "))
		}
		w.device, w.align = dialect.Flash{Kind: dialect.MMC, Name: src.Name, Type: "MMC"}, 512
		info, err := s.con.Output(ctx, "mmc info")
		if err != nil {
			return nil, err
		}
		for _, l := range info {
			if c, ok := strings.CutPrefix(l, "Capacity: "); ok && !strings.Contains(c, ".") {
				w.device.Size = sizeWithUnit(c) // only a whole number of units is exact
			}
		}
	default:
		return nil, fmt.Errorf("source %q is not a flash", src)
	}
	if w.size == 0 {
		w.size = w.device.Size
	}
	return w, nil
}

// findMTD finds the device or partition named by the source.
func (w *Window) findMTD(ctx context.Context, devs []dialect.Flash) error {
	var names []string
	for _, d := range devs {
		names = append(names, d.Name)
		if d.Name == w.src.Name {
			w.device = d
		}
		for _, p := range d.Partitions {
			names = append(names, p.Name)
			if p.Name == w.src.Name && w.device.Name == "" {
				w.device, w.base, w.size = d, p.Offset, p.Size
			}
		}
	}
	if w.device.Name == "" {
		return fmt.Errorf("no MTD device or partition %q: mtd list shows %s", w.src.Name, strings.Join(names, ", "))
	}
	w.align = max(w.device.PageSize, 1)
	if strings.Contains(w.device.Type, "NAND") {
		bad, err := w.s.badBlocks(ctx, "mtd bad "+w.device.Name)
		if err != nil {
			return err
		}
		w.bad = bad
	}
	return nil
}

// Raw makes a NAND window read pages with their spare (OOB) areas, as
// nand read.raw does, ECC uncorrected and bad blocks included. Offsets are
// then in that stream: page size plus spare size bytes a page.
func (w *Window) Raw() error {
	if w.src.Kind != dialect.NAND || w.device.PageSize == 0 || w.device.OOBSize == 0 {
		return fmt.Errorf("raw reads are of NAND pages with their spare areas; %s is not NAND", w.src)
	}
	w.raw, w.loaded = true, false
	w.align = w.device.PageSize + w.device.OOBSize
	w.size = w.device.Size / w.device.PageSize * w.align
	return nil
}

// PageUnit is how many bytes a page takes in what the window reads: the
// page, plus its spare area when raw.
func (w *Window) PageUnit() (page, unit uint64) { return w.device.PageSize, w.align }

// Device is the flash behind the window.
func (w *Window) Device() dialect.Flash { return w.device }

// Size is what the source holds: the device, or the partition; 0 when the
// device does not say exactly.
func (w *Window) Size() uint64 { return w.size }

// BadBlocks lists the bad erase blocks inside the source (offsets in it),
// which read as erased (0xFF).
func (w *Window) BadBlocks() []uint64 {
	var out []uint64
	for _, b := range w.bad {
		if b >= w.base && b < w.base+w.size {
			out = append(out, b-w.base)
		}
	}
	return out
}

// RAM is where the window is.
func (w *Window) RAM() (addr, size uint64) { return w.s.windowRAM, w.s.windowSize }

// load makes the window hold [off, off+n) of the source.
func (w *Window) load(ctx context.Context, off, n uint64) error {
	if w.loaded && off >= w.from && off+n <= w.to {
		return nil
	}
	from := off - off%w.align
	to := (off + n + w.align - 1) / w.align * w.align
	// A size of 0 is unknown (an eMMC whose capacity mmc info rounds).
	if w.size != 0 {
		if off+n > w.size {
			return fmt.Errorf("%s: 0x%x..0x%x is beyond its size (0x%x)", w.src, off, off+n, w.size)
		}
		to = min(to, w.size)
	}
	if to-from > w.s.windowSize {
		return fmt.Errorf("%s: 0x%x bytes: %w of 0x%x bytes", w.src, to-from, dialect.ErrWindowTooSmall, w.s.windowSize)
	}
	w.loaded = false
	if w.raw {
		pages := (to - from) / w.align
		cmd := fmt.Sprintf("nand read.raw %#x %#x %#x", w.s.windowRAM, from/w.align*w.device.PageSize, pages)
		if err := w.run(ctx, cmd, "bytes read: OK"); err != nil {
			return err
		}
		w.loaded, w.from, w.to = true, from, to
		return nil
	}
	// Bad blocks are not read (U-Boot would skip them and shift the rest):
	// the window holds 0xFF there instead.
	for at := from; at < to; {
		bad, end := w.badAt(at, to)
		if bad {
			if _, err := w.s.con.Output(ctx, fmt.Sprintf("mw.b %#x 0xff %#x", w.s.windowRAM+at-from, end-at)); err != nil {
				return err
			}
		} else if err := w.copy(ctx, w.s.windowRAM+at-from, at, end-at); err != nil {
			return err
		}
		at = end
	}
	w.loaded, w.from, w.to = true, from, to
	return nil
}

// badAt says whether the erase block at off (in the source) is bad, and
// where the run of blocks like it ends, at to at the latest.
func (w *Window) badAt(off, to uint64) (bool, uint64) {
	if len(w.bad) == 0 || w.device.EraseSize == 0 {
		return false, to
	}
	es := w.device.EraseSize
	isBad := func(o uint64) bool { return slices.Contains(w.bad, (w.base+o)/es*es) }
	bad := isBad(off)
	next := (w.base+off)/es*es + es - w.base
	for next < to && isBad(next) == bad {
		next += es
	}
	return bad, min(next, to)
}

// copy runs the flash's read command for n bytes at off into ram.
func (w *Window) copy(ctx context.Context, ram, off, n uint64) error {
	var cmd, ok string
	switch w.src.Kind {
	case dialect.SPI:
		cmd, ok = fmt.Sprintf("sf read %#x %#x %#x", ram, off, n), "Read: OK"
	case dialect.NAND:
		cmd, ok = fmt.Sprintf("nand read %#x %#x %#x", ram, off, n), "bytes read: OK"
	case dialect.MTD:
		cmd, ok = fmt.Sprintf("mtd read %s %#x %#x %#x", w.src.Name, ram, off, n), "Reading "
	case dialect.MMC:
		cmd, ok = fmt.Sprintf("mmc read %#x %#x %#x", ram, off/512, n/512), "blocks read: OK"
	}
	return w.run(ctx, cmd, ok)
}

// run runs a copy command and checks it said ok and nothing went wrong.
func (w *Window) run(ctx context.Context, cmd, ok string) error {
	lines, err := w.s.con.Output(ctx, cmd)
	if err != nil {
		return err
	}
	text := strings.Join(lines, "\n")
	switch {
	case strings.Contains(text, "Skipping bad block"):
		return fmt.Errorf("%s skipped a bad block the device did not list: %s", cmd, strings.Join(lines, " / "))
	case !strings.Contains(text, ok) || strings.Contains(text, "ERROR") || strings.Contains(text, "ailure") || strings.Contains(text, "failed"):
		return fmt.Errorf("%s failed: %s", cmd, strings.Join(lines, " / "))
	}
	return nil
}

// ReadMemory reads n bytes at off of the source, through the window.
func (w *Window) ReadMemory(ctx context.Context, off uint64, dst []byte, progress func(int)) error {
	if err := w.load(ctx, off, uint64(len(dst))); err != nil {
		return err
	}
	return w.s.ReadMemory(ctx, w.s.windowRAM+off-w.from, dst, progress)
}

// crc32 is crc32 of n bytes at off of the source, in the window.
func (w *Window) crc32(ctx context.Context, off, n uint64) (uint32, error) {
	if err := w.load(ctx, off, n); err != nil {
		return 0, err
	}
	return w.s.crc32(ctx, w.s.windowRAM+off-w.from, n)
}

// isFilled tells, on the board, whether n bytes at off all equal fill.
func (w *Window) isFilled(ctx context.Context, off, n uint64, fill byte) (bool, error) {
	if err := w.load(ctx, off, n); err != nil {
		return false, err
	}
	return w.s.isFilled(ctx, w.s.windowRAM+off-w.from, n, fill)
}

// Identity describes the session; the source is in the dump record.
func (w *Window) Identity() dialect.Identity { return w.s.Identity() }

// Resync recovers the console; the board may have reset, losing the window.
func (w *Window) Resync(ctx context.Context) error {
	w.loaded = false
	return w.s.Resync(ctx)
}

// Reconnect reopens the line; the window is copied again.
func (w *Window) Reconnect(ctx context.Context) error {
	w.loaded = false
	return w.s.Reconnect(ctx)
}

// Forget drops what the window holds: the flash behind it was written.
func (w *Window) Forget() { w.loaded = false }
