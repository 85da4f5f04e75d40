package sim

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// line is the board's UART and the cable to whichever host is attached:
// paced output with U-Boot's LF -> CR LF conversion, faults injected on
// the way out, and input bytes delivered one at a time. With no host
// attached, output goes nowhere, as it does from a real board.
type line struct {
	out   *lineOut
	in    chan byte
	power *power

	mu   sync.Mutex
	host io.ReadWriter // nil when none is attached
	gen  atomic.Int64  // counts attaches, so a stale reader (and the faults) can tell
}

func newLine(baud int, hostBaud func() int, faults *faultState, watchdog time.Duration) *line {
	l := &line{in: make(chan byte, 1<<16), power: newPower(watchdog)}
	l.out = newLineOut(l, baud, hostBaud, faults)
	return l
}

// attach connects a host. Its bytes feed the board until it hangs up;
// the returned channel closes then. A previous host is cut off.
func (l *line) attach(ctx context.Context, rw io.ReadWriter) <-chan struct{} {
	l.mu.Lock()
	l.host = rw
	gen := l.gen.Add(1)
	l.mu.Unlock()
	hangup := make(chan struct{})
	go func() {
		defer close(hangup)
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
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				l.detach(gen)
				return
			}
		}
	}()
	return hangup
}

// detach forgets the host of attach number gen, if it is still current.
func (l *line) detach(gen int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gen.Load() == gen {
		l.host = nil
	}
}

// yank pulls the cable: the host's connection is closed.
func (l *line) yank() {
	l.mu.Lock()
	host := l.host
	l.host = nil
	l.mu.Unlock()
	if c, ok := host.(io.Closer); ok {
		c.Close()
	}
}

// Write sends to the attached host, if any.
func (l *line) Write(b []byte) (int, error) {
	l.mu.Lock()
	host := l.host
	l.mu.Unlock()
	if host == nil {
		return len(b), nil
	}
	if _, err := host.Write(b); err != nil {
		l.yank() // a host that cannot take output is gone
	}
	return len(b), nil
}

// garbled is what a byte turns into at the wrong baud rate: never text.
func garbled(c byte) byte { return ^c | 0x80 }

// lineOut buffers what the board prints and sends it through the pacer in
// blocks of a few milliseconds of line time when paced, in large blocks
// otherwise; the prompt and the echo go out at once.
type lineOut struct {
	p        *pacer
	line     *line
	buf      []byte
	baud     atomic.Int64 // the board's rate; the input reader reads it too
	block    int          // flush a command's output when this much is buffered
	hostBaud func() int
	faults   *faultState
	lfcr     bool // send LF CR for each LF (the Winbond boot loader), not CR LF
}

func newLineOut(l *line, baud int, hostBaud func() int, faults *faultState) *lineOut {
	o := &lineOut{p: &pacer{w: l}, line: l, hostBaud: hostBaud, faults: faults}
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
	// A UART samples each bit mid-way, on the 16th of a bit nearest:
	// rates 3.5 % apart still agree by the stop bit, 9.5 bits on (a
	// divisor seldom makes a rate exactly: Ralink's SDK cuts 21.7 to 21
	// for 115200, 3.3 % fast, and its boards work).
	return h != 0 && (h < baud*965/1000 || h > baud*1035/1000)
}

// puts prints s, turning each LF into CR LF as U-Boot's serial layer does.
func (o *lineOut) puts(s string) {
	for i := 0; i < len(s); i++ {
		o.putc(s[i])
	}
}

func (o *lineOut) putc(c byte) {
	switch {
	case c == '\n' && o.lfcr:
		o.buf = append(o.buf, '\n', '\r')
		return
	case c == '\n':
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

// flush sends what is buffered, through the faults. A fault that resets
// the board panics with errReset, which the board's run loop catches.
func (o *lineOut) flush() {
	o.line.power.check()
	if len(o.buf) == 0 {
		return
	}
	out, event := o.faults.mangle(o.buf, o.line.gen.Load())
	// The host hears garbage while its rate differs from the board's:
	// judged piece by piece as the bytes leave, since the host may change
	// its rate while a long output is on the wire.
	piece := len(out)
	if o.p.baud > 0 {
		piece = max(o.p.baud/10/50, 1) // 20 ms of line time
	}
	for len(out) > 0 {
		n := min(piece, len(out))
		if o.mismatched() {
			for i, c := range out[:n] {
				out[i] = garbled(c)
			}
		}
		o.p.Write(out[:n])
		out = out[n:]
	}
	o.buf = o.buf[:0]
	switch event {
	case faultClose:
		o.line.yank()
	case faultReset:
		panic(errReset{})
	}
}
