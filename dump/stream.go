package dump

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// streamFrom reads, through a reader that streams (dialect.Streamer: the
// binary reader, whose every run costs a setup), the run of chunks that
// starts at off in one go, each checked against the survey's checksum as
// it arrives and kept at once. Where the run stops early (a damaged
// chunk, a lost line, a reset), the chunks it kept stay kept, and the
// next is read on its own, with all the retries and recovery that has.
// Only what cannot go on (the disk, the journal, a lost device) is an
// error.
func (j *Job) streamFrom(ctx context.Context, off uint64, buf []byte) error {
	st := j.run
	s, ok := st.r.(dialect.Streamer)
	if !ok {
		return nil
	}
	n := j.streamRun(off)
	if n < 2*uint64(j.opt.ChunkSize) {
		return nil // one chunk: read as any other
	}
	at, got := off, 0 // the chunk under way, and its bytes so far
	st.chunkStart = time.Now()
	err := s.Stream(ctx, j.opt.Addr+off, n, func(data []byte) error {
		for len(data) > 0 {
			size := int(min(uint64(j.opt.ChunkSize), j.opt.Size-at))
			k := copy(buf[got:size], data)
			data, got = data[k:], got+k
			if got < size {
				j.report(got)
				continue
			}
			if err := j.keepStreamed(at, buf[:size]); err != nil {
				return err
			}
			at, got = at+uint64(size), 0
			st.chunkStart = time.Now()
		}
		return nil
	})
	var stop *keepError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &stop):
		return stop.err
	}
	st.res.Retries++
	if errors.Is(err, console.ErrReset) {
		st.res.Resets++
	}
	j.opt.Logger.Warn("the stream stopped; reading on chunk by chunk", "addr", fmt.Sprintf("%#x", j.opt.Addr+at), "err", err)
	_, err = j.recover(ctx, st.r, j.opt.Addr+at, err, st.res)
	return err
}

// streamRun is how many bytes from off can be streamed: the chunks, one
// after another, not yet kept, whose checksum the survey has (and no
// attempt has used), and that are not to be skipped.
func (j *Job) streamRun(off uint64) uint64 {
	chunk := uint64(j.opt.ChunkSize)
	var n uint64
	for at := off; at < j.opt.Size && !j.done[at]; at += chunk {
		c := span{at, int(min(chunk, j.opt.Size-at))}
		p, ok := j.plan[c]
		if !ok || p.used || p.skip {
			break
		}
		n += uint64(c.n)
	}
	return n
}

// keepError is a failure to keep what was read (the disk, the journal):
// it ends the dump, where a stream that stops only ends the stream.
type keepError struct{ err error }

func (e *keepError) Error() string { return e.err.Error() }

// keepStreamed checks a streamed chunk against the survey's checksum and
// keeps it, its erased blocks told apart in the record.
func (j *Job) keepStreamed(off uint64, buf []byte) error {
	addr := j.opt.Addr + off
	want, err := j.plannedSum(addr, len(buf))
	if err != nil {
		return err
	}
	if got := j.sum(buf); got != want {
		return &MismatchError{Addr: addr, Size: len(buf), Device: want, Local: got}
	}
	pieces := streamedPieces(off, buf, j.sums.Algorithm().Name, j.run.r.Identity().Command)
	if err := j.keep(off, buf, pieces); err != nil {
		return &keepError{err}
	}
	return nil
}

// erasedBlock is the size of the blocks a streamed chunk's record tells
// erased or not: the binary reader's block.
const erasedBlock = 4 << 10

// streamedPieces is a streamed chunk's record: its runs of data and of
// erased blocks (all 0xff, or all 0x00), each verified by the chunk's
// checksum.
func streamedPieces(off uint64, buf []byte, verified, reader string) []Chunk {
	var pieces []Chunk
	for at := 0; at < len(buf); {
		end := min(at+erasedBlock, len(buf))
		erased := isFill(buf[at:end])
		for end < len(buf) {
			next := min(end+erasedBlock, len(buf))
			if isFill(buf[end:next]) != erased || erased && buf[end] != buf[at] {
				break
			}
			end = next
		}
		pieces = append(pieces, Chunk{Offset: off + uint64(at), Size: end - at, CRC32: fmt.Sprintf("%08x", crc32.ChecksumIEEE(buf[at:end])),
			Verified: verified, Attempts: 1, Reader: reader, Erased: erased})
		at = end
	}
	return pieces
}

// isFill: b is all 0xff or all 0x00.
func isFill(b []byte) bool {
	return (b[0] == 0xff || b[0] == 0x00) && bytes.Count(b, b[:1]) == len(b)
}
