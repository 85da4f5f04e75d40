package xfer

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrTimeout: the receiver said nothing for the whole timeout.
var ErrTimeout = errors.New("the receiver did not answer")

// Line is a serial line whose reads can wait with a deadline.
type Line interface {
	io.Writer
	// Next waits up to timeout for the next byte.
	Next(ctx context.Context, timeout time.Duration) (byte, error)
}

// NewLine makes a Line of a plain byte stream: a goroutine reads it until
// it fails (close it to stop that).
func NewLine(rw io.ReadWriter) Line {
	l := &streamLine{w: rw, in: make(chan byte, 4096), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		buf := make([]byte, 4096)
		for {
			n, err := rw.Read(buf)
			for _, c := range buf[:n] {
				l.in <- c
			}
			if err != nil {
				l.err = err
				return
			}
		}
	}()
	return l
}

type streamLine struct {
	w    io.Writer
	in   chan byte
	done chan struct{}
	err  error // why the reader stopped, once done is closed
}

func (l *streamLine) Write(b []byte) (int, error) { return l.w.Write(b) }

func (l *streamLine) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case c := <-l.in:
		return c, nil
	default:
	}
	select {
	case c := <-l.in:
		return c, nil
	case <-l.done:
		select {
		case c := <-l.in:
			return c, nil
		default:
			return 0, l.err
		}
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-t.C:
		return 0, ErrTimeout
	}
}
