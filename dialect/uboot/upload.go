package uboot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/words"
)

// Uploads by the binary reader (ModeReceive), for boards with no loader:
// the reader is put on the board once with mw.l (or kept from a dump or
// a rate switch), then takes the data at nearly the line's rate, each
// 4 KiB block checked by its CRC-32 and sent again if damaged.

// sendIdle is how long the host waits for the reader's answer to a
// frame: the frame's own time on the line (a 4 KiB block takes 4.3 s at
// 9600 baud) and a latency.
const sendIdle = 6 * time.Second

// receiveGiveUp is how long a reader the host stopped answering may take
// to give up and let U-Boot's prompt back (8 silences of 2^24 polls).
const receiveGiveUp = 3 * time.Minute

// uploadByReader puts data at ram with the binary reader, set up here if
// it is not on the board yet.
func (s *Session) uploadByReader(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	if s.fast == nil {
		s.log.Info(fmt.Sprintf("the board has no loader: putting the binary reader on it (about %d KiB with mw.l) to take the %d KiB", readerSize>>10, len(data)>>10))
		r, err := s.startBinaryReader(ctx)
		if err != nil {
			return err
		}
		s.fast = r
	}
	return s.fast.receive(ctx, ram, data, progress)
}

// receive runs the reader in ModeReceive: data to ram.
func (r *BinaryReader) receive(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	n := uint64(len(data))
	if lo, hi := dialect.Physical(ram), dialect.Physical(r.base); lo < hi+readerRAM && hi < lo+n {
		return fmt.Errorf("%w: %#x..%#x overlaps the reader's own RAM (%#x..%#x): upload elsewhere (--ram)", ErrNoBinaryReader, ram, ram+n-1, r.base, r.base+readerRAM-1)
	}
	r.log.Debug(fmt.Sprintf("uploading %s to %#x with the binary reader", words.Size(n), ram))
	cmd, err := r.start(ctx, binreader.Params{Mode: binreader.ModeReceive, JumpTable: r.jt, Addr: ram, Size: n, Block: 4096})
	if err != nil {
		return err
	}
	line := &console.TransferLine{Ctx: ctx, Con: r.con, Timeout: binreader.ErrTimeout}
	err = binreader.Send(ctx, line, data, 4096, sendIdle, func(sent int) {
		if progress != nil {
			progress(sent, len(data), "uploading with the binary reader")
		}
	})
	if err != nil {
		// The reader gives up after its silences, and U-Boot's prompt
		// comes back.
		wctx, cancel := context.WithTimeout(ctx, receiveGiveUp)
		defer cancel()
		if werr := r.con.WaitPrompt(wctx); werr != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("upload by the binary reader: %w; and the prompt did not come back: %v", err, werr)
		}
		return fmt.Errorf("upload by the binary reader: %w", err)
	}
	return r.con.Finish(ctx, cmd, nil)
}
