package sim

import (
	"context"
	"io"
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
		out:  &lineOut{w: &pacer{w: rw, baud: baud}, baud: baud, hostBaud: hostBaud, paced: baud > 0},
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

// lineOut buffers what the board prints and sends it through the pacer a
// line at a time when paced (so timing is right), in large blocks otherwise.
type lineOut struct {
	w        io.Writer
	buf      []byte
	baud     int
	paced    bool
	hostBaud func() int
	err      error
}

func (o *lineOut) mismatched() bool {
	if o.hostBaud == nil || o.baud <= 0 {
		return false
	}
	h := o.hostBaud()
	return h != 0 && h != o.baud
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
	if o.paced || len(o.buf) >= 32<<10 {
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
	_, o.err = o.w.Write(o.buf)
	o.buf = o.buf[:0]
}
