package restore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// Writing raw data from the flash's start (the Winbond loader's BX): the
// bootloader takes it by an upload, erases and writes block by block, its
// own first block included, and compares it with what it took; then it is
// read back and compared here, since the loader has no checksum command.

// RawDevice is a bootloader that burns raw data from its flash's start.
type RawDevice interface {
	dialect.Session
	dialect.RawBurner
}

// RawPlan is a raw write of the flash from its start.
type RawPlan struct {
	Area     dialect.RawArea
	Same     bool // the flash holds the image already
	Commands []string
	Way      dialect.UploadWay
	data     []byte
	// readChars is what a byte costs read back (a dump line's share).
	readChars float64
}

// ErrFlashSize: the flash's size is not known, and the image may run past
// its end (where the Winbond loader's BX never returns).
var ErrFlashSize = errors.New("the flash's size is not known")

// PlanRaw plans writing img at addr, which must be the flash's start. The
// flash must be known to hold it: by what the bootloader said of its size,
// or known, what it is known to hold at least (the range a dump of this
// board read). It compares what the flash holds, stopping at the first
// difference.
func PlanRaw(ctx context.Context, dev RawDevice, addr uint64, img []byte, known uint64) (*RawPlan, error) {
	a := dev.RawArea()
	n := uint64(len(img))
	cmd := dev.RawCommand()
	switch {
	case n == 0:
		return nil, fmt.Errorf("the image is empty")
	case addr != a.Start:
		return nil, fmt.Errorf("%s writes raw data only from the flash's start, %#x: give --addr %#x with an image of the flash from there, or --image NAME for an image of its table", cmd, a.Start, a.Start)
	case a.Block > 0 && n%a.Block != 0:
		return nil, fmt.Errorf("%d bytes do not cover whole %#x-byte erase blocks: %s erases the last one whole, and would lose the rest of it; pad the image", n, a.Block, cmd)
	case a.Size == 0 && known < n:
		return nil, fmt.Errorf("%w: %s past its end never returns; let bootdump see the board start (power-cycle it while bootdump waits: its banner says the size), or write a file dumped from this flash (its record says the range was there)", ErrFlashSize, cmd)
	case a.Size != 0 && n > a.Size:
		return nil, fmt.Errorf("%d bytes run past the end of the flash (%#x bytes from %#x)", n, a.Size, a.Start)
	case a.MaxUpload != 0 && n > a.MaxUpload:
		return nil, fmt.Errorf("%d bytes do not fit the RAM %s takes its upload in (%d bytes at most)", n, cmd, a.MaxUpload)
	}
	p := &RawPlan{Area: a, Way: a.Way, data: img, readChars: float64(dev.LineChars(a.Start))/16 + 0.5}
	p.Commands = []string{cmd, fmt.Sprintf("(the %#x bytes at %#x read back and compared)", n, a.Start)}
	off, err := firstDifference(ctx, dev, a.Start, img)
	if err != nil {
		return nil, err
	}
	p.Same = off < 0
	return p, nil
}

// Estimate is how long the plan takes at baud: the upload, and the
// read-back.
func (p *RawPlan) Estimate(baud int) time.Duration {
	if p.Same {
		return 0
	}
	read := time.Duration(float64(len(p.data)) * p.readChars / (float64(baud) / 10) * float64(time.Second))
	return p.Way.Time(uint64(len(p.data)), baud) + p.Way.Wait + read
}

// RawResult is what a raw write did.
type RawResult struct {
	Uploaded, Checked uint64
	Elapsed           time.Duration
}

// Run uploads and burns the image, then reads it back.
func (p *RawPlan) Run(ctx context.Context, dev RawDevice, opt Options) (*RawResult, error) {
	opt = opt.withDefaults()
	start := time.Now()
	res := &RawResult{}
	if p.Same {
		return res, nil
	}
	err := retryUpload(ctx, dev, opt.Logger, p.Commands[0], func() error {
		res.Uploaded += uint64(len(p.data))
		return dev.BurnRaw(ctx, p.data, opt.report("uploading to flash"))
	})
	switch {
	case errors.Is(err, dialect.ErrCommand):
		return res, fmt.Errorf("%s failed: %w; the flash may hold part of the image: run the same restore again", p.Commands[0], err)
	case err != nil:
		return res, fmt.Errorf("%s failed: %w; nothing was written (it writes only once its upload is whole)", p.Commands[0], err)
	}
	if err := readBack(ctx, dev, p.Area.Start, p.data, opt.report("reading back")); err != nil {
		return res, err
	}
	res.Checked = uint64(len(p.data))
	res.Elapsed = time.Since(start)
	return res, nil
}
