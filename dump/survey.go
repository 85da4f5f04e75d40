package dump

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// plannedChunk is what the survey learnt of a chunk: its checksum on the
// device, and whether that says it needs no read (erased, or as in the
// base image).
type plannedChunk struct {
	sum  uint32
	skip bool
	used bool // its first attempt took the sum; a retry asks again
}

var errNotPlanned = errors.New("no survey checksum for this range")

// survey asks the device for the checksum of every chunk left before any
// is read. The engine then knows how much of what is left holds data (the
// ETA needs that: a flash is rarely data and erased space evenly mixed),
// and each chunk's first attempt needs no checksum of its own, so the
// survey costs the dump nothing. One that fails stops there: the chunks it
// did not reach are checked as they are read.
func (j *Job) survey(ctx context.Context, dev Reader) error {
	if j.checksum == nil || j.opt.NoSkip {
		return nil
	}
	_, canSkip := dev.(dialect.FillChecker)
	chunk := uint64(j.opt.ChunkSize)
	var offsets []uint64
	for off := uint64(0); off < j.opt.Size; off += chunk {
		if !j.done[off] {
			offsets = append(offsets, off)
		}
	}
	if len(offsets) < 2 {
		return nil
	}
	defer j.waiting("")
	j.plan = map[uint64]plannedChunk{}
	scratch := make([]byte, chunk)
	for i, off := range offsets {
		j.waiting(fmt.Sprintf("finding erased chunks: %d/%d", i+1, len(offsets)))
		n := int(min(chunk, j.opt.Size-off))
		sum, err := j.checksum.Checksum(ctx, j.opt.Addr+off, uint64(n))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			j.opt.Logger.Debug("the survey stopped; the other chunks are checked as they are read", "at", fmt.Sprintf("%#x", j.opt.Addr+off), "err", err)
			return nil
		}
		_, erased := j.erasedFill(n, sum)
		skip := erased && canSkip || j.fromBase(j.opt.Addr+off, scratch[:n], sum)
		j.plan[off] = plannedChunk{sum: sum, skip: skip}
		if skip {
			j.prog.ToSkip += uint64(n)
		} else {
			j.prog.ToRead += uint64(n)
		}
	}
	return nil
}

// plannedSum gives the survey's checksum of the n bytes at addr, once.
func (j *Job) plannedSum(addr uint64, n int) (uint32, error) {
	off := addr - j.opt.Addr
	p, ok := j.plan[off]
	if !ok || p.used || uint64(n) != min(uint64(j.opt.ChunkSize), j.opt.Size-off) {
		return 0, errNotPlanned
	}
	p.used = true
	j.plan[off] = p
	return p.sum, nil
}

// account counts a finished chunk for the progress: how its bytes were
// verified, and whether its time was a read's or a skip's.
func (j *Job) account(off uint64, n int, pieces []Chunk, took time.Duration) {
	read := false
	for _, c := range pieces {
		switch c.Verified {
		case VerifiedErased:
			j.prog.Erased += uint64(c.Size)
		case VerifiedBase:
			j.prog.FromBase += uint64(c.Size)
		default:
			j.prog.Dumped += uint64(c.Size)
			read = true
		}
	}
	if read {
		j.prog.ReadBytes += uint64(n)
		j.prog.ReadTime += took
	} else {
		j.prog.SkipBytes += uint64(n)
		j.prog.SkipTime += took
	}
	if p, ok := j.plan[off]; ok {
		if p.skip {
			j.prog.ToSkip -= min(j.prog.ToSkip, uint64(n))
		} else {
			j.prog.ToRead -= min(j.prog.ToRead, uint64(n))
		}
		delete(j.plan, off)
	}
}
