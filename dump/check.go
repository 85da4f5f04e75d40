package dump

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bootdump/bootdump/dialect"
)

// ChunkError: a range could not be read and verified.
type ChunkError struct {
	Addr     uint64
	Size     int
	Attempts int
	Err      error
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("could not read a verified copy of %#x..%#x after %d attempts: %v",
		e.Addr, e.Addr+uint64(e.Size)-1, e.Attempts, e.Err)
}
func (e *ChunkError) Unwrap() error { return e.Err }

// MismatchError: the bytes read do not have the checksum the device reports.
type MismatchError struct {
	Addr          uint64
	Size          int
	Device, Local uint32
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the checksum of %#x..%#x is %08x on the device but %08x as read", e.Addr, e.Addr+uint64(e.Size)-1, e.Device, e.Local)
}

// DisagreeError: two readings of the same range differ.
type DisagreeError struct{ Addr uint64 }

func (e *DisagreeError) Error() string {
	return fmt.Sprintf("two readings disagree at %#x", e.Addr)
}

// readOnce gets one chunk: the device's checksum first, which may show
// the chunk needs no dump (erased, or unchanged since the base image),
// then the dump, checked against that checksum.
func (j *Job) readOnce(ctx context.Context, dev Reader, addr uint64, buf []byte, progress func(int)) (string, error) {
	if j.sums == nil {
		return j.readTwice(ctx, dev, addr, buf, progress)
	}
	n := len(buf)
	want, err := j.plannedSum(addr, n)
	if err != nil {
		want, err = j.sums.Checksum(ctx, addr, uint64(n))
	}
	if err != nil {
		return "", err
	}
	if j.fromBase(addr, buf, want) {
		return VerifiedBase, nil
	}
	if fill, ok := j.erasedFill(n, want); ok && !j.opt.NoSkip {
		same, err := j.confirmFill(ctx, addr, n, fill)
		if err != nil {
			return "", err
		}
		if same {
			for i := range buf {
				buf[i] = fill
			}
			return VerifiedErased, nil
		}
	}
	if err := dev.ReadMemory(ctx, addr, buf, progress); err != nil {
		return "", err
	}
	if got := j.sum(buf); got != want {
		return "", &MismatchError{Addr: addr, Size: n, Device: want, Local: got}
	}
	return j.sums.Algorithm().Name, nil
}

// readTwice is the check of last resort: two readings that agree.
func (j *Job) readTwice(ctx context.Context, dev Reader, addr uint64, buf []byte, progress func(int)) (string, error) {
	if err := dev.ReadMemory(ctx, addr, buf, progress); err != nil {
		return "", err
	}
	if cap(j.second) < len(buf) {
		j.second = make([]byte, len(buf))
	}
	again := j.second[:len(buf)]
	if err := dev.ReadMemory(ctx, addr, again, nil); err != nil {
		return "", err
	}
	if i := firstDifference(buf, again); i >= 0 {
		return "", &DisagreeError{Addr: addr + uint64(i)}
	}
	return VerifiedTwice, nil
}

func firstDifference(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// fromBase copies the chunk from the base image when its checksum there
// is the device's.
func (j *Job) fromBase(addr uint64, buf []byte, want uint32) bool {
	if j.base == nil {
		return false
	}
	n, err := j.base.ReadAt(buf, int64(addr-j.opt.Addr))
	return n == len(buf) && (err == nil || err == io.EOF) && j.sum(buf) == want
}

// erasedFill says whether sum is the checksum of n bytes of 0xff or 0x00.
func (j *Job) erasedFill(n int, sum uint32) (byte, bool) {
	sums, ok := j.erased[n]
	if !ok {
		b := make([]byte, n)
		sums[1] = j.sum(b)
		for i := range b {
			b[i] = 0xff
		}
		sums[0] = j.sum(b)
		j.erased[n] = sums
	}
	switch sum {
	case sums[0]:
		return 0xff, true
	case sums[1]:
		return 0x00, true
	}
	return 0, false
}

// confirmFill rules out a checksum collision on the device. Without a
// way to (no scratch RAM, no cmp), skipping is switched off for the dump.
func (j *Job) confirmFill(ctx context.Context, addr uint64, n int, fill byte) (bool, error) {
	if j.fill == nil || j.noFill {
		return false, nil
	}
	same, err := j.fill.IsFilled(ctx, addr, uint64(n), fill)
	if errors.Is(err, dialect.ErrUnsupported) {
		j.opt.Logger.Warn("erased chunks will be dumped: they cannot be confirmed on the device", "err", err)
		j.noFill = true
		return false, nil
	}
	return same, err
}

// needsResync: after a bad line or a checksum mismatch the console is
// still at its prompt; after anything else it may not be.
func needsResync(err error) bool {
	var mm *MismatchError
	var dis *DisagreeError
	return !errors.Is(err, dialect.ErrGarbled) && !errors.As(err, &mm) && !errors.As(err, &dis)
}
