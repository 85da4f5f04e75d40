package dump

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// readRange reads buf's worth at addr until it verifies. After two
// failures in a row it reads the two halves on their own (down to a single
// md line), so that a noisy line still gets through. It returns the
// verified pieces.
func (j *Job) readRange(ctx context.Context, dev Reader, addr uint64, buf []byte, res *Result, progress func(int)) ([]Chunk, error) {
	attempts := j.opt.Retries + 1
	var last error
	resets := 0
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			res.Retries++
		}
		verified, err := j.readOnce(ctx, dev, addr, buf, progress)
		if err == nil {
			return []Chunk{{Offset: addr - j.opt.Addr, Size: len(buf), CRC32: fmt.Sprintf("%08x", crc32.ChecksumIEEE(buf)), Verified: verified, Attempts: attempt}}, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, console.ErrReset) {
			res.Resets++
			if resets++; resets == 3 {
				return nil, fmt.Errorf("the device resets whenever %#x..%#x is read: the range is probably outside its memory map (see bdinfo): %w",
					addr, addr+uint64(len(buf))-1, err)
			}
		} else {
			resets = 0
		}
		last = err
		j.opt.Logger.Warn("read failed; reading it again", "addr", fmt.Sprintf("%#x", addr), "size", len(buf), "attempt", attempt, "err", err)
		reconnected, err := j.recover(ctx, dev, addr, err, res)
		if err != nil {
			return nil, err
		}
		if reconnected {
			attempt-- // a pulled cable is no fault of the range
			continue
		}
		if attempt >= 2 && attempt < attempts && len(buf) > minPiece {
			half := len(buf) / 2 &^ (minPiece - 1)
			first, err := j.readRange(ctx, dev, addr, buf[:half], res, progress)
			if err != nil {
				return nil, err
			}
			second, err := j.readRange(ctx, dev, addr+uint64(half), buf[half:], res, func(n int) { progress(half + n) })
			if err != nil {
				return nil, err
			}
			return append(first, second...), nil
		}
	}
	return nil, &ChunkError{Addr: addr, Size: len(buf), Attempts: attempts, Err: last}
}

// minPiece is the smallest range readRange halves down to: one md line.
const minPiece = 16

// recover gets the line back after a failed read: a reconnect if the port
// closed, a resync if the console may be out of step.
func (j *Job) recover(ctx context.Context, dev Reader, addr uint64, err error, res *Result) (reconnected bool, _ error) {
	for {
		if errors.Is(err, console.ErrClosed) {
			if rerr := j.reconnect(ctx, dev, err, res); rerr != nil {
				return false, rerr
			}
			return true, nil
		}
		if !needsResync(err) {
			return false, nil
		}
		if err = dev.Resync(ctx); err == nil {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !errors.Is(err, console.ErrClosed) {
			return false, fmt.Errorf("after a failed read at %#x: %w", addr, err)
		}
	}
}

// reconnect reopens the port with backoff until the device answers again
// or ReconnectTimeout passes.
func (j *Job) reconnect(ctx context.Context, dev Reader, cause error, res *Result) error {
	j.opt.Logger.Warn("lost the device; waiting for it", "err", cause, "for", j.opt.ReconnectTimeout)
	j.waiting("waiting for the device to come back")
	defer j.waiting("")
	deadline := time.Now().Add(j.opt.ReconnectTimeout)
	wait := 100 * time.Millisecond
	for {
		err := dev.Reconnect(ctx)
		if err == nil {
			res.Reconnects++
			j.opt.Logger.Info("the device is back")
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, dialect.ErrCannotRedial) {
			return fmt.Errorf("lost the device (%w): %w", cause, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the device did not come back within %v (%w); plug it back in and run the same command to resume", j.opt.ReconnectTimeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}
