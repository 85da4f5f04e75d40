package sim

import (
	"context"
	"io"
	"sync/atomic"
	"time"
)

// line is the board's UART: paced output with U-Boot's LF -> CR LF
// conversion, and input bytes delivered one at a time.
type line struct {
	out  *lineOut
	in   chan byte
	done chan struct{}
}

func newLine(ctx context.Context, rw io.ReadWriter, baud int, hostBaud func() int) *line {
	l := &line{
		out:  newLineOut(rw, baud, hostBaud),
		in:   make(chan byte, 1<<16),
		done: make(chan struct{}),
	}
	go func() {
		defer close(l.in)
		buf := make([]byte, 4096)
		for {
			n, err := rw.Read(buf)
			garble := l.out.mismatched()
			for _, c := range buf[:n] {
				if garble {
					c = garbled(c)
				}
				select {
				case l.in <- c:
				case <-l.done:
					return
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return l
}

func (l *line) stop() {
	l.out.flush()
	close(l.done)
}

// garbled is what a byte turns into at the wrong baud rate: never text.
func garbled(c byte) byte { return ^c | 0x80 }

// lineOut buffers what the board prints and sends it through the pacer in
// blocks of a few milliseconds of line time when paced, in large blocks
// otherwise; the prompt and the echo go out at once.
type lineOut struct {
	p        *pacer
	buf      []byte
	baud     atomic.Int64 // the board's rate; the input reader reads it too
	block    int          // flush a command's output when this much is buffered
	hostBaud func() int
	err      error
}

func newLineOut(w io.Writer, baud int, hostBaud func() int) *lineOut {
	o := &lineOut{p: &pacer{w: w}, hostBaud: hostBaud}
	o.setBaud(baud)
	return o
}

// setBaud switches the board's UART, after what is queued has gone out
// at the old rate. 0 means unpaced.
func (o *lineOut) setBaud(baud int) {
	o.flush()
	o.baud.Store(int64(baud))
	o.p.baud, o.p.epoch = baud, time.Time{}
	o.block = 32 << 10
	if baud > 0 {
		o.block = o.p.chunk()
	}
}

func (o *lineOut) mismatched() bool {
	baud := int(o.baud.Load())
	if o.hostBaud == nil || baud <= 0 {
		return false
	}
	h := o.hostBaud()
	return h != 0 && h != baud
}

// puts prints s, turning each LF into CR LF as U-Boot's serial layer does.
func (o *lineOut) puts(s string) {
	for i := 0; i < len(s); i++ {
		o.putc(s[i])
	}
}

func (o *lineOut) putc(c byte) {
	if c == '\n' {
		o.buf = append(o.buf, '\r')
	}
	o.buf = append(o.buf, c)
}

// write prints one line of command output.
func (o *lineOut) write(text []byte) {
	for _, c := range text {
		o.putc(c)
	}
	if len(o.buf) >= o.block {
		o.flush()
	}
}

func (o *lineOut) flush() {
	if len(o.buf) == 0 || o.err != nil {
		o.buf = o.buf[:0]
		return
	}
	if o.mismatched() {
		for i, c := range o.buf {
			o.buf[i] = garbled(c)
		}
	}
	_, o.err = o.p.Write(o.buf)
	o.buf = o.buf[:0]
}
