package restore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/bootdump/bootdump/dialect"
)

// Where the bootloader has no checksum command (the Winbond loader), what
// was written is read back with its dump command and compared; and its
// uploads, which its receiver never takes again block by block, are sent
// again whole.

// compareUnit is how much is read back at a time: a difference stops the
// comparison there.
const compareUnit = 4 << 10

// uploadTries bounds the uploads of one step: a noisy line spoils one
// now and then, and the loader's receiver never takes a block again.
const uploadTries = 3

// firstDifference compares the flash at base with data, a compareUnit at
// a time: it returns the offset of the first unit that differs, -1 for
// none.
func firstDifference(ctx context.Context, dev dialect.Reader, base uint64, data []byte) (int, error) {
	buf := make([]byte, compareUnit)
	for off := 0; off < len(data); off += compareUnit {
		n := min(compareUnit, len(data)-off)
		if err := readUnit(ctx, dev, base+uint64(off), buf[:n]); err != nil {
			return 0, err
		}
		if !bytes.Equal(buf[:n], data[off:off+n]) {
			return off, nil
		}
	}
	return -1, nil
}

// readUnit reads dst at addr; a garbled dump line is read again.
func readUnit(ctx context.Context, dev dialect.Reader, addr uint64, dst []byte) error {
	var err error
	for try := 0; try < uploadTries; try++ {
		if err = dev.ReadMemory(ctx, addr, dst, nil); !errors.Is(err, dialect.ErrGarbled) {
			return err
		}
		if err := dev.Resync(ctx); err != nil {
			return err
		}
	}
	return err
}

// readBack compares the flash at base with data. A unit that differs is
// read once more: a reading the line spoilt differs once, flash that
// holds something else twice.
func readBack(ctx context.Context, dev dialect.Reader, base uint64, data []byte, progress func(sent, total int)) error {
	buf := make([]byte, compareUnit)
	for off := 0; off < len(data); off += compareUnit {
		n := min(compareUnit, len(data)-off)
		want := data[off : off+n]
		same := false
		for reading := 0; reading < 2 && !same; reading++ {
			if err := readUnit(ctx, dev, base+uint64(off), buf[:n]); err != nil {
				return err
			}
			same = bytes.Equal(buf[:n], want)
		}
		if !same {
			at := 0
			for buf[at] == want[at] {
				at++
			}
			return fmt.Errorf("%w: the flash at %#x (offset %#x of the image) holds %#02x, not %#02x: run the same restore again",
				ErrNotWritten, base+uint64(off+at), off+at, buf[at], want[at])
		}
		progress(off+n, len(data))
	}
	return nil
}

// retryUpload runs an upload up to uploadTries times while the board is
// still there to try again, and its errors are the line's, not the
// bootloader's.
func retryUpload(ctx context.Context, dev dialect.Reader, log *slog.Logger, what string, upload func() error) error {
	var err error
	for try := 1; try <= uploadTries; try++ {
		if err = upload(); err == nil || errors.Is(err, dialect.ErrCommand) || ctx.Err() != nil {
			return err
		}
		if try < uploadTries {
			log.Warn(fmt.Sprintf("%s: the upload failed; trying again (%d of %d)", what, try+1, uploadTries), "err", err)
		}
		if rerr := backAtPrompt(ctx, dev); rerr != nil {
			return fmt.Errorf("%w; and then the board did not answer again: %v", err, rerr)
		}
	}
	return err
}

// backAtPrompt brings the console back to a fresh prompt, dialling again
// where the line was lost.
func backAtPrompt(ctx context.Context, dev dialect.Reader) error {
	if err := dev.Resync(ctx); err == nil {
		return nil
	}
	return dev.Reconnect(ctx)
}
