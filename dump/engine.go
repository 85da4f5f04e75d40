package dump

import (
	"context"
	"fmt"
	"hash/crc32"
	"time"
)

// runState is what one Run keeps as it goes.
type runState struct {
	res     *Result
	r       Reader    // what reads: the target's, or what Choose gave
	started time.Time // this run's start
	earlier float64   // seconds the journal's earlier runs took
	// measured is when the survey ended (its time is spent, not left);
	// chunkStart when the chunk under way began.
	measured, chunkStart time.Time
	doneBytes            uint64
	prog                 Progress
}

// Run reads every chunk not yet verified through dev, verified by what dev
// has itself (see TargetOf), then writes the output.
func (j *Job) Run(ctx context.Context, dev Reader) (*Result, error) {
	return j.RunTarget(ctx, TargetOf(dev))
}

// RunTarget reads every chunk not yet verified through t, then writes the
// output.
func (j *Job) RunTarget(ctx context.Context, t Target) (*Result, error) {
	st := &runState{res: &Result{Verified: map[string]int{}, VerifiedBytes: map[string]uint64{}}, r: t.Reader, started: time.Now()}
	j.run = st
	if j.rec == nil {
		if err := j.start(); err != nil {
			return st.res, err
		}
	}
	st.res.Record = j.rec
	j.sums, j.fill, j.sum = t.Sums, t.Fill, crc32.ChecksumIEEE
	if j.sums != nil {
		j.sum = j.sums.Algorithm().Sum
	}
	if len(j.done) > 0 {
		if err := j.recheck(ctx, st.r, st.res); err != nil {
			return st.res, err
		}
	}
	st.res.Resumed = j.resumed
	j.rec.Device = st.r.Identity()
	if j.sums != nil {
		j.rec.Algorithm = j.sums.Algorithm().Name
	}
	st.doneBytes = j.resumed
	st.prog = Progress{Total: j.opt.Size, Resumed: j.resumed}
	j.report(0)
	if err := j.survey(ctx); err != nil {
		return st.res, err
	}
	if j.opt.Choose != nil {
		if st.r = j.opt.Choose(ctx, st.r, j.dataLeft()); ctx.Err() != nil {
			return st.res, ctx.Err()
		}
	}
	st.measured, st.earlier = time.Now(), j.rec.Seconds
	buf := make([]byte, j.opt.ChunkSize)
	for off := uint64(0); off < j.opt.Size; off += uint64(j.opt.ChunkSize) {
		if j.done[off] {
			continue
		}
		if err := j.streamFrom(ctx, off, buf); err != nil {
			return st.res, err
		}
		if j.done[off] {
			continue
		}
		if err := j.readAndKeep(ctx, off, buf[:min(uint64(j.opt.ChunkSize), j.opt.Size-off)]); err != nil {
			return st.res, err
		}
	}
	j.touch()
	return st.res, j.sink.finish(j.rec)
}

// readAndKeep reads the chunk at off into buf, verified, and keeps it.
func (j *Job) readAndKeep(ctx context.Context, off uint64, buf []byte) error {
	st := j.run
	st.chunkStart = time.Now()
	pieces, err := j.readChunk(ctx, st.r, off, buf, st.res, j.report)
	if err != nil {
		return err
	}
	for i := range pieces {
		if pieces[i].Verified != VerifiedErased && pieces[i].Verified != VerifiedBase {
			pieces[i].Reader = st.r.Identity().Command
		}
	}
	return j.keep(off, buf, pieces)
}

// keep writes a verified chunk and counts it: the data first, then the
// journal that vouches for it.
func (j *Job) keep(off uint64, buf []byte, pieces []Chunk) error {
	st := j.run
	n := len(buf)
	j.account(off, n, pieces, time.Since(st.chunkStart))
	if _, err := j.sink.WriteAt(buf, int64(off)); err != nil {
		return err
	}
	j.rec.Chunks = append(j.rec.Chunks, pieces...)
	for _, p := range pieces {
		st.res.Verified[p.Verified]++
		st.res.VerifiedBytes[p.Verified] += uint64(p.Size)
	}
	j.rec.Retries = st.res.Retries
	if err := j.save(); err != nil {
		return err
	}
	j.done[off] = true
	st.doneBytes += uint64(n)
	st.res.Read += uint64(n)
	st.res.ChunksRead++
	j.report(0)
	j.opt.Logger.Debug("chunk verified", "addr", fmt.Sprintf("%#x", j.opt.Addr+off), "size", n, "pieces", len(pieces), "verified", pieces[0].Verified)
	return nil
}

// save brings the record up to date and commits it.
func (j *Job) save() error {
	j.touch()
	return j.sink.commit(j.rec)
}

// touch brings the record up to date: the device (it learns as it reads:
// the byte order) and the time spent.
func (j *Job) touch() {
	st := j.run
	now := time.Now()
	j.rec.Device = st.r.Identity()
	j.rec.Seconds = st.earlier + now.Sub(st.started).Seconds()
	j.rec.Updated = now.UTC()
	st.res.Elapsed = now.Sub(st.started)
}

// report tells the progress: extra bytes of the chunk under way are done.
func (j *Job) report(extra int) {
	if j.opt.Progress == nil {
		return
	}
	st := j.run
	p := st.prog
	p.Done = st.doneBytes + uint64(extra)
	p.Retries, p.Resets = st.res.Retries, st.res.Resets
	p.Reader = st.r.Identity().Command
	if !st.measured.IsZero() {
		p.Elapsed = time.Since(st.measured)
	}
	if extra > 0 { // a chunk is being read
		p.ReadBytes += uint64(extra)
		p.ReadTime += time.Since(st.chunkStart)
		p.ToRead -= min(p.ToRead, uint64(extra))
	}
	j.opt.Progress(p)
}

// waiting shows what the engine waits for ("" when it no longer does).
func (j *Job) waiting(what string) {
	j.run.prog.Waiting = what
	j.report(0)
}
