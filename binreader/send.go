package binreader

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"time"
)

// The host's side of ModeReceive (see device/reader.c): data goes to the
// board in blocks, one frame each, and the reader answers each frame with
// the number of the block it wants next; a damaged or lost frame is sent
// again. Stop and wait: at 115200 baud a 4 KiB block takes 360 ms, an
// answer one latency (16 ms on an FTDI adapter), so the line carries
// data 95 % of the time.

// UploadReady is what the reader says once ModeReceive runs.
const UploadReady = "BDUP"

// sendEscaped are the bytes escaped on the way to the reader: the frame's
// own two, and those that would make U-Boot's command line run or stop
// something should the reader not be there to take them.
var sendEscaped = [256]bool{flag: true, escape: true, '\r': true, '\n': true, ctrlC: true}

// ErrRefused: the reader kept asking for a block other than the one sent.
var ErrRefused = errors.New("the reader does not take the block")

// Send runs the host's side of a ModeReceive run of data with blocks of
// block bytes (the run's Block): it waits for UploadReady (skipping the
// command's echo), sends each block until the reader asks for the next,
// then the end, which the reader confirms with the count. idle is how
// long an answer may take; progress, if set, is told the bytes the reader
// has taken after each block.
func Send(ctx context.Context, line Line, data []byte, block int, idle time.Duration, progress func(n int)) error {
	if block <= 0 {
		return fmt.Errorf("a block of %d bytes", block)
	}
	blocks := uint32((len(data) + block - 1) / block)
	if err := waitMark(ctx, line, UploadReady, 4*idle); err != nil {
		return fmt.Errorf("the reader did not say it is ready (%s): %w", UploadReady, err)
	}
	next, asked := uint32(0), 0
	for {
		frame := []byte{flag, 'E'}
		if next < blocks {
			frame = blockFrame(data, block, next)
		}
		if _, err := line.Write(frame); err != nil {
			return err
		}
		kind, wanted, err := answer(ctx, line, idle)
		switch {
		case errors.Is(err, ErrTimeout):
			// the frame or its answer was lost: send it again
		case err != nil:
			return err
		case kind == '=' && wanted == blocks:
			return nil
		case wanted > blocks:
			return fmt.Errorf("the reader asks for block %d of %d", wanted, blocks)
		case wanted != next:
			asked = 0
			next = wanted
			if progress != nil {
				progress(min(int(next)*block, len(data)))
			}
			continue
		}
		if asked++; asked == maxAgain {
			return fmt.Errorf("%w: block %d sent %d times", ErrRefused, next, asked)
		}
	}
}

// blockFrame is block num of data as a 'D' frame, escaped.
func blockFrame(data []byte, block int, num uint32) []byte {
	part := data[int(num)*block : min(len(data), int(num+1)*block)]
	var raw []byte
	raw = binary.BigEndian.AppendUint32(raw, num)
	raw = binary.BigEndian.AppendUint32(raw, uint32(len(part)))
	raw = append(raw, part...)
	raw = binary.BigEndian.AppendUint32(raw, crc32.ChecksumIEEE(part))
	frame := make([]byte, 0, len(raw)+len(raw)/32+2)
	frame = append(frame, flag, 'D')
	for _, b := range raw {
		if sendEscaped[b] {
			frame = append(frame, escape, b^0x20)
			continue
		}
		frame = append(frame, b)
	}
	return frame
}

// answer reads the reader's next answer: '+' or '=' and 8 hex digits.
// Anything else before it is skipped.
func answer(ctx context.Context, line Line, idle time.Duration) (kind byte, num uint32, err error) {
	var digits []byte
	for {
		b, err := line.Next(ctx, idle)
		if err != nil {
			return 0, 0, err
		}
		switch {
		case b == '+' || b == '=':
			kind, digits = b, digits[:0]
		case kind != 0 && len(digits) < 8 && strconv.IsPrint(rune(b)):
			digits = append(digits, b)
		default:
			kind = 0
		}
		if kind != 0 && len(digits) == 8 {
			n, err := strconv.ParseUint(string(digits), 16, 32)
			if err != nil {
				kind = 0
				continue
			}
			return kind, uint32(n), nil
		}
	}
}

// waitMark reads line until mark has come, within limit.
func waitMark(ctx context.Context, line Line, mark string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var seen []byte
	for string(seen) != mark {
		left := time.Until(deadline)
		if left <= 0 {
			return ErrTimeout
		}
		b, err := line.Next(ctx, left)
		if err != nil {
			return err
		}
		if seen = append(seen, b); len(seen) > len(mark) {
			seen = seen[1:]
		}
	}
	return nil
}
