package dump

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/bootdump/bootdump/dialect"
)

// ErrOtherDevice: the journal was written from another device, and this one
// cannot prove the kept chunks right by a checksum.
var ErrOtherDevice = errors.New("the unfinished journal was written from another device")

// recheck trusts no chunk of the journal before the device confirms it: the
// board may have been reflashed, or be another board, since the
// interrupted run. With a checksum command each kept chunk costs one
// checksum; without one it is read again and compared, and a device whose
// identity differs from the journal's is refused. A chunk that no longer
// matches is read again by Run.
func (j *Job) recheck(ctx context.Context, dev Reader, res *Result) error {
	before := j.rec.Device
	otherDevice := func() error {
		if now := dev.Identity(); !sameDevice(before, now) {
			return fmt.Errorf("%w (%s then, %s now) and %s has no checksum to prove the kept chunks",
				ErrOtherDevice, describe(before), describe(now), now.Dialect)
		}
		return nil
	}
	if j.sums == nil {
		if err := otherDevice(); err != nil {
			return err
		}
	}
	chunk := uint64(j.opt.ChunkSize)
	offsets := make([]uint64, 0, len(j.done))
	for off := range j.done {
		offsets = append(offsets, off)
	}
	slices.Sort(offsets)
	changed := map[uint64]bool{}
	for _, off := range offsets {
		same, err := j.sameOnDevice(ctx, dev, off)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Not confirmed (a noisy line, a reset): not trusted.
			j.opt.Logger.Warn("could not check a resumed chunk on the device; reading it again", "offset", fmt.Sprintf("%#x", off), "err", err)
			if _, rerr := j.recover(ctx, dev, j.opt.Addr+off, err, res); rerr != nil {
				return rerr
			}
		}
		if same && err == nil {
			res.ChunksResumed++
			continue
		}
		if err == nil {
			end := j.opt.Addr + min(off+chunk, j.opt.Size) - 1
			j.opt.Logger.Warn(fmt.Sprintf("chunk %#x..%#x changed on the device since the interrupted run: read again", j.opt.Addr+off, end))
			j.rec.Reread = append(j.rec.Reread, Hex(off))
		}
		changed[off] = true
		res.ChunksReread++
		delete(j.done, off)
		j.resumed -= min(chunk, j.opt.Size-off)
	}
	if len(changed) > 0 {
		kept := j.rec.Chunks[:0]
		for _, c := range j.rec.Chunks {
			if !changed[c.Offset/chunk*chunk] {
				kept = append(kept, c)
			}
		}
		j.rec.Chunks = kept
	}
	return nil
}

// sameOnDevice says whether the journal's pieces of the chunk at off still
// hold what the device holds: by its checksum, or by reading them again.
func (j *Job) sameOnDevice(ctx context.Context, dev Reader, off uint64) (bool, error) {
	chunk := uint64(j.opt.ChunkSize)
	for _, c := range j.rec.Chunks {
		if c.Offset/chunk*chunk != off {
			continue
		}
		kept := make([]byte, c.Size)
		if _, err := j.sink.ReadAt(kept, int64(c.Offset)); err != nil {
			return false, err
		}
		addr := j.opt.Addr + c.Offset
		if j.sums != nil {
			sum, err := j.sums.Checksum(ctx, addr, uint64(c.Size))
			if err != nil {
				return false, err
			}
			if sum != j.sum(kept) {
				return false, nil
			}
			continue
		}
		again := make([]byte, c.Size)
		if err := dev.ReadMemory(ctx, addr, again, nil); err != nil {
			return false, err
		}
		if !bytes.Equal(again, kept) {
			return false, nil
		}
	}
	return true, nil
}

// sameDevice compares what identifies a board: its bootloader, its version
// line and what it says of itself (MAC address, serial number).
func sameDevice(a, b dialect.Identity) bool {
	return a.Dialect == b.Dialect && a.Version == b.Version && a.Board == b.Board
}

func describe(id dialect.Identity) string {
	s := id.Dialect
	if id.Version != "" {
		s += " " + fmt.Sprintf("%q", id.Version)
	}
	if id.Board != "" {
		s += " " + id.Board
	}
	return s
}
