package dump

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// plannedChunk is what the survey learnt of a chunk (or of a piece of
// one): its checksum on the device, whether that says it needs no read
// (erased, or as in the base image), and, for a chunk that holds data
// and erased space both, its pieces.
type plannedChunk struct {
	sum    uint32
	skip   bool
	used   bool // its first attempt took the sum; a retry asks again
	split  bool // its pieces were asked for (splitChunk)
	pieces []span
}

// span is a range of the dump: an offset and a length.
type span struct {
	off uint64
	n   int
}

var errNotPlanned = errors.New("no survey checksum for this range")

// survey asks the device for the checksum of every chunk left before any
// is read. The engine then knows how much of what is left holds data (the
// ETA needs that: a flash is rarely data and erased space evenly mixed),
// each chunk's first attempt needs no checksum of its own, so the survey
// costs the dump nothing, and a reader that streams (the binary reader)
// can read a run of chunks in one go, each checked as it arrives. Chunks
// that hold data are split into pieces only when they are read by a
// reader that does not stream (splitChunk). A survey that fails stops
// there: the chunks it did not reach are checked as they are read.
func (j *Job) survey(ctx context.Context) error {
	if j.sums == nil {
		return nil
	}
	canSkip := j.canSkip()
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
	j.plan = map[span]plannedChunk{}
	for i, off := range offsets {
		j.waiting(fmt.Sprintf("finding erased chunks: %d/%d", i+1, len(offsets)))
		c := span{off, int(min(chunk, j.opt.Size-off))}
		p, err := j.planSpan(ctx, c, canSkip)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			j.opt.Logger.Debug("the survey stopped; the other chunks are checked as they are read", "at", fmt.Sprintf("%#x", j.opt.Addr+off), "err", err)
			return nil
		}
		if p.skip {
			j.run.prog.ToSkip += uint64(c.n)
		} else {
			j.run.prog.ToRead += uint64(c.n)
		}
	}
	return nil
}

// canSkip: erased chunks are confirmed on the device, not read.
func (j *Job) canSkip() bool { return j.fill != nil && !j.noFill && !j.opt.NoSkip }

// dataLeft is how much of what is left to read holds data: all of it
// but what the survey found erased or as in the base image.
func (j *Job) dataLeft() uint64 {
	left := j.opt.Size - min(j.opt.Size, j.resumed)
	return left - min(left, j.run.prog.ToSkip)
}

// splitChunk asks, for a chunk the survey found holds data, the checksum
// of each of its pieces (splitPieces of them, minSplit bytes at least): a
// chunk that holds a little data in erased flash (a marker, an
// environment) then costs a read of the pieces with data alone. It keeps
// what it learnt in the plan, and moves the erased pieces' bytes from
// what the ETA has to read to what it has to skip.
func (j *Job) splitChunk(ctx context.Context, c span) error {
	p := j.plan[c]
	if p.split || p.skip || !j.canSkip() || c.n < 2*minSplit {
		return nil
	}
	p.split = true
	j.plan[c] = p
	size := max(c.n/splitPieces, minSplit) &^ 15
	var pieces []span
	erased := 0
	for at := 0; at < c.n; at += size {
		piece := span{c.off + uint64(at), min(size, c.n-at)}
		pp, err := j.planSpan(ctx, piece, true)
		if err != nil {
			return err
		}
		if pp.skip {
			erased += piece.n
		}
		pieces = append(pieces, piece)
	}
	if erased > 0 {
		p.pieces = pieces
		j.plan[c] = p
		j.run.prog.ToRead -= min(j.run.prog.ToRead, uint64(erased))
		j.run.prog.ToSkip += uint64(erased)
	}
	return nil
}

// planSpan asks the device for the checksum of s, and notes it.
func (j *Job) planSpan(ctx context.Context, s span, canSkip bool) (plannedChunk, error) {
	sum, err := j.sums.Checksum(ctx, j.opt.Addr+s.off, uint64(s.n))
	if err != nil {
		return plannedChunk{}, err
	}
	if cap(j.second) < s.n {
		j.second = make([]byte, s.n)
	}
	_, erased := j.erasedFill(s.n, sum)
	p := plannedChunk{sum: sum, skip: erased && canSkip || j.fromBase(j.opt.Addr+s.off, j.second[:s.n], sum)}
	j.plan[s] = p
	return p, nil
}

// parts are the spans a planned chunk is read in: its pieces, or itself.
func (p plannedChunk) parts(whole span) []span {
	if len(p.pieces) > 0 {
		return p.pieces
	}
	return []span{whole}
}

// Splitting a chunk that holds data: into this many pieces, of this many
// bytes at least.
const (
	splitPieces = 16
	minSplit    = 4 << 10
)

// readChunk reads a chunk in the pieces the plan has for it (its erased
// pieces confirmed, the rest read), or whole. A chunk the survey did not
// reach is planned first, where the device has what that takes.
func (j *Job) readChunk(ctx context.Context, dev Reader, off uint64, buf []byte, res *Result, progress func(int)) ([]Chunk, error) {
	whole := span{off, len(buf)}
	if j.sums != nil && !j.opt.NoSkip {
		if j.plan == nil {
			j.plan = map[span]plannedChunk{}
		}
		err := j.planned(ctx, whole)
		if err == nil {
			err = j.splitChunk(ctx, whole)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			delete(j.plan, whole) // readRange asks again, and recovers
		}
	}
	var chunks []Chunk
	for _, part := range j.plan[whole].parts(whole) {
		at := int(part.off - off)
		got, err := j.readRange(ctx, dev, j.opt.Addr+part.off, buf[at:at+part.n], res, func(n int) { progress(at + n) })
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, got...)
	}
	return chunks, nil
}

// planned makes sure the plan has the chunk c's checksum, and counts it
// for the ETA when the survey did not.
func (j *Job) planned(ctx context.Context, c span) error {
	if _, ok := j.plan[c]; ok {
		return nil
	}
	p, err := j.planSpan(ctx, c, j.canSkip())
	if err != nil {
		return err
	}
	if p.skip {
		j.run.prog.ToSkip += uint64(c.n)
	} else {
		j.run.prog.ToRead += uint64(c.n)
	}
	return nil
}

// plannedSum gives the survey's checksum of the n bytes at addr, once.
func (j *Job) plannedSum(addr uint64, n int) (uint32, error) {
	off := addr - j.opt.Addr
	p, ok := j.plan[span{off, n}]
	if !ok || p.used {
		return 0, errNotPlanned
	}
	p.used = true
	j.plan[span{off, n}] = p
	return p.sum, nil
}

// account counts a finished chunk for the progress: how its bytes were
// verified, and whether its time was a read's or a skip's.
func (j *Job) account(off uint64, n int, pieces []Chunk, took time.Duration) {
	var dumped uint64
	for _, c := range pieces {
		switch c.Verified {
		case VerifiedErased:
			j.run.prog.Erased += uint64(c.Size)
		case VerifiedBase:
			j.run.prog.FromBase += uint64(c.Size)
		default:
			dumped += uint64(c.Size)
		}
	}
	j.run.prog.Dumped += dumped
	if dumped > 0 {
		j.run.prog.ReadBytes += dumped
		j.run.prog.ReadTime += took
		j.run.prog.SkipBytes += uint64(n) - dumped
	} else {
		j.run.prog.SkipBytes += uint64(n)
		j.run.prog.SkipTime += took
	}
	whole := span{off, n}
	p, ok := j.plan[whole]
	if !ok {
		return
	}
	for _, part := range p.parts(whole) {
		if j.plan[part].skip {
			j.run.prog.ToSkip -= min(j.run.prog.ToSkip, uint64(part.n))
		} else {
			j.run.prog.ToRead -= min(j.run.prog.ToRead, uint64(part.n))
		}
		delete(j.plan, part)
	}
	delete(j.plan, whole)
}
