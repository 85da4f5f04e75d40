package sim

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// power is what resets a board from outside its firmware: a watchdog that
// bites every period while the bootloader runs (boards whose watchdog the
// bootloader never feeds), and power cycles the host asks for (a relay, a
// USB hub port: bootdump --power-cycle).
type power struct {
	watchdog time.Duration
	cycles   chan struct{}
	bite     time.Time // when the watchdog resets the board; zero: never
	bites    atomic.Int64
	linux    chan struct{} // closed when Linux first boots
	once     sync.Once
}

func newPower(watchdog time.Duration) *power {
	return &power{watchdog: watchdog, cycles: make(chan struct{}, 1), linux: make(chan struct{})}
}

// LinuxBooted is closed once the board has booted Linux (Config.Linux):
// its autoboot was not stopped.
func (u *Board) LinuxBooted() <-chan struct{} { return u.line.power.linux }

// on starts a power-on: the watchdog starts counting.
func (p *power) on() {
	p.bite = time.Time{}
	if p.watchdog > 0 {
		p.bite = time.Now().Add(p.watchdog)
	}
}

// check resets the board (errReset) if it is due: a power cycle was asked
// for, or the watchdog bit.
func (p *power) check() {
	select {
	case <-p.cycles:
		panic(errReset{})
	default:
	}
	if !p.bite.IsZero() && !time.Now().Before(p.bite) {
		p.bites.Add(1)
		panic(errReset{})
	}
}

// key waits up to d (forever if d <= 0) for a byte typed on the line, as
// a firmware polls its UART; a reset that falls due meanwhile happens.
func (l *line) key(ctx context.Context, d time.Duration) (byte, bool, error) {
	l.out.flush()
	p := l.power
	p.check()
	var timeout, bite <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	if !p.bite.IsZero() {
		t := time.NewTimer(time.Until(p.bite))
		defer t.Stop()
		bite = t.C
	}
	select {
	case <-ctx.Done():
		return 0, false, ctx.Err()
	case c, ok := <-l.in:
		if !ok {
			return 0, false, io.EOF
		}
		return c, true, nil
	case <-timeout:
		return 0, false, nil
	case <-bite:
	case <-p.cycles:
		p.cycles <- struct{}{} // for check to find
	}
	p.check()
	return 0, false, nil
}

// powerOn is what every firmware does first: the UART is set up (what was
// typed before is lost) and the watchdog starts.
func (l *line) powerOn() {
	for {
		select {
		case <-l.in:
		default:
			l.out.buf = l.out.buf[:0] // what was not sent before the reset never will be
			l.power.on()
			return
		}
	}
}

// PowerCycle switches the board off and on again, as a relay in its
// supply does: it boots from the start.
func (u *Board) PowerCycle() {
	select {
	case u.line.power.cycles <- struct{}{}:
	default:
	}
}

// off keeps a board switched off for d: what is typed meanwhile is lost.
func (l *line) off(ctx context.Context, d time.Duration) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return nil
		case <-l.in:
		case <-l.power.cycles:
		}
	}
}

// WatchdogResets counts the resets the board's watchdog caused.
func (u *Board) WatchdogResets() int64 { return u.line.power.bites.Load() }
