package xfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// The protocol's control bytes.
const (
	soh    = 0x01 // a 128-byte block follows
	stx    = 0x02 // a 1024-byte block follows
	eot    = 0x04 // end of file
	ack    = 0x06
	nak    = 0x15 // bad block, or "start, with checksums"
	can    = 0x18 // cancel (twice)
	crcReq = 'C'  // "start, with CRC-16"
	cpmEOF = 0x1a // what pads the last block
)

var (
	// ErrCancelled: the receiver cancelled the transfer (CAN CAN).
	ErrCancelled = errors.New("the receiver cancelled the transfer")
	// ErrRetries: a block was refused or unanswered too often.
	ErrRetries = errors.New("too many retransmissions")
	// ErrRefused: a receiver that keeps what it refuses (Options.NoResend)
	// refused a block, or did not answer it: what it holds is spoilt.
	ErrRefused = errors.New("the receiver refused a block it keeps all the same")
)

// Options tune a transfer.
type Options struct {
	Start   time.Duration // how long to wait for the receiver to start; default 60 s
	Timeout time.Duration // how long to wait for each answer; default 10 s
	Retries int           // sends of one block before giving up; default 10
	Block1K bool          // XMODEM: 1024-byte blocks (XMODEM-1K; needs CRC mode)
	// NoResend: the receiver keeps a block it NAKs (the Winbond loader's
	// XMODEM counts it in, and takes the block sent again as the next):
	// a NAK, or no answer, ends the transfer with ErrRefused instead of
	// sending the block again.
	NoResend bool
	Progress func(sent, total int)
	Logger   *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Start == 0 {
		o.Start = 60 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

type sender struct {
	line Line
	opt  Options
	crc  bool // CRC-16, not the checksum
}

// SendXMODEM sends data by XMODEM. The receiver keeps whole blocks: the
// last is padded with 0x1A (U-Boot's loadx strips trailing 0x1A again, so
// a file that ends in 0x1A bytes loses them: prefer YMODEM).
func SendXMODEM(ctx context.Context, line Line, data []byte, opt Options) error {
	s := &sender{line: line, opt: opt.withDefaults()}
	err := s.sendXMODEM(ctx, data)
	return s.finish(ctx, err)
}

// SendYMODEM sends one file by YMODEM: block 0 carries its name and size,
// so the receiver keeps exactly len(data) bytes; an empty block 0 ends the
// batch.
func SendYMODEM(ctx context.Context, line Line, name string, data []byte, opt Options) error {
	s := &sender{line: line, opt: opt.withDefaults()}
	err := s.sendYMODEM(ctx, name, data)
	return s.finish(ctx, err)
}

// finish cancels the receiver when the transfer failed on our side.
func (s *sender) finish(ctx context.Context, err error) error {
	if err != nil && !errors.Is(err, ErrCancelled) {
		// Eight CANs, then backspaces to erase them from a terminal.
		s.line.Write(append(bytes.Repeat([]byte{can}, 8), bytes.Repeat([]byte{'\b'}, 8)...))
	}
	return err
}

func (s *sender) sendXMODEM(ctx context.Context, data []byte) error {
	if err := s.waitStart(ctx); err != nil {
		return err
	}
	size := 128
	if s.opt.Block1K {
		if !s.crc {
			return fmt.Errorf("the receiver asked for checksums; 1024-byte blocks need CRC-16")
		}
		size = 1024
	}
	if err := s.sendData(ctx, data, size); err != nil {
		return err
	}
	return s.sendEOT(ctx)
}

func (s *sender) sendYMODEM(ctx context.Context, name string, data []byte) error {
	if err := s.waitStart(ctx); err != nil {
		return err
	}
	header := append([]byte(name), 0)
	header = append(header, strconv.Itoa(len(data))...)
	if len(header) > 1024 {
		return fmt.Errorf("file name %q is too long for YMODEM", name)
	}
	size := 128
	if len(header) > 128 {
		size = 1024
	}
	if err := s.sendBlock(ctx, 0, header, size, 0); err != nil {
		return fmt.Errorf("block 0 (name and size): %w", err)
	}
	// A receiver by the book asks again for the data (lrzsz's rb does at
	// once); U-Boot's xyzModem does not: it waits its 2 s for block 1
	// before it asks. So the data goes after a short wait for a 'C' that
	// may never come (a late one is passed over with the answers).
	if err := s.waitStartFor(ctx, dataStart); err != nil && !errors.Is(err, ErrTimeout) {
		return err
	}
	if err := s.sendData(ctx, data, 1024); err != nil {
		return err
	}
	if err := s.sendEOT(ctx); err != nil {
		return err
	}
	// An empty block 0 ends the batch.
	if err := s.waitStart(ctx); err != nil {
		return err
	}
	return s.sendBlock(ctx, 0, nil, 128, 0)
}

// waitStart waits for the receiver's 'C' (CRC-16) or NAK (checksum); other
// bytes (the text a bootloader prints first) are passed over.
func (s *sender) waitStart(ctx context.Context) error {
	return s.waitStartFor(ctx, s.opt.Start)
}

// dataStart is how long a YMODEM sender waits for the receiver's 'C'
// after block 0 before it sends the data anyway: far longer than a 'C'
// sent at once takes over a USB adapter (its 16 ms latency timer), far
// shorter than U-Boot's 2 s.
const dataStart = 300 * time.Millisecond

func (s *sender) waitStartFor(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	cans := 0
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("%w: no 'C' or NAK to start within %v", ErrTimeout, wait)
		}
		c, err := s.line.Next(ctx, left)
		if err != nil {
			if errors.Is(err, ErrTimeout) {
				return fmt.Errorf("%w: no 'C' or NAK to start within %v", ErrTimeout, wait)
			}
			return err
		}
		switch c {
		case crcReq:
			s.crc = true
			return nil
		case nak:
			s.crc = false
			return nil
		case can:
			if cans++; cans == 2 {
				return ErrCancelled
			}
			continue
		}
		cans = 0
	}
}

// sendData sends data in blocks numbered from 1; a last part that fits in
// 128 bytes goes in a short block.
func (s *sender) sendData(ctx context.Context, data []byte, size int) error {
	seq := 1
	for off := 0; off < len(data); seq++ {
		n := size
		if len(data)-off <= 128 {
			n = 128
		}
		end := min(off+n, len(data))
		if err := s.sendBlock(ctx, byte(seq), data[off:end], n, cpmEOF); err != nil {
			return fmt.Errorf("block %d (bytes %d to %d): %w", seq, off, end-1, err)
		}
		off = end
		if s.opt.Progress != nil {
			s.opt.Progress(off, len(data))
		}
	}
	return nil
}

// sendBlock sends one block, padded with pad to size, until it is ACKed.
func (s *sender) sendBlock(ctx context.Context, seq byte, payload []byte, size int, pad byte) error {
	frame := make([]byte, 0, 3+size+2)
	head := byte(soh)
	if size == 1024 {
		head = stx
	}
	frame = append(frame, head, seq, ^seq)
	frame = append(frame, payload...)
	for len(frame) < 3+size {
		frame = append(frame, pad)
	}
	body := frame[3 : 3+size]
	if s.crc {
		sum := crc16(body)
		frame = append(frame, byte(sum>>8), byte(sum))
	} else {
		frame = append(frame, checksum(body))
	}
	for try := 1; try <= s.opt.Retries; try++ {
		if _, err := s.line.Write(frame); err != nil {
			return err
		}
		answer, err := s.answer(ctx)
		switch {
		case err != nil && !errors.Is(err, ErrTimeout):
			return err
		case answer == ack:
			return nil
		case answer == can:
			return ErrCancelled
		case s.opt.NoResend:
			if err != nil {
				return fmt.Errorf("%w (no answer: %v)", ErrRefused, err)
			}
			return ErrRefused
		}
		s.opt.Logger.Debug("block not acknowledged; sending it again", "block", seq, "try", try, "answer", answer, "err", err)
	}
	return ErrRetries
}

// answer reads the receiver's answer to a block: ACK, NAK, CAN (after a
// second CAN), or 0 with ErrTimeout. Other bytes are passed over.
func (s *sender) answer(ctx context.Context) (byte, error) {
	cans := 0
	for {
		c, err := s.line.Next(ctx, s.opt.Timeout)
		if err != nil {
			return 0, err
		}
		switch c {
		case ack, nak:
			return c, nil
		case can:
			if cans++; cans == 2 {
				return can, nil
			}
			continue
		}
		cans = 0
	}
}

// sendEOT ends the file. Some receivers NAK the first EOT (lrzsz), some
// ACK it at once (U-Boot).
func (s *sender) sendEOT(ctx context.Context) error {
	for try := 1; try <= s.opt.Retries; try++ {
		if _, err := s.line.Write([]byte{eot}); err != nil {
			return err
		}
		answer, err := s.answer(ctx)
		if err != nil && !errors.Is(err, ErrTimeout) {
			return err
		}
		switch answer {
		case ack:
			return nil
		case can:
			return ErrCancelled
		}
	}
	return fmt.Errorf("end of file: %w", ErrRetries)
}
