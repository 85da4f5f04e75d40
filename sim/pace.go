package sim

import (
	"io"
	"time"
)

// pacer delivers bytes no faster than a UART at baud, 8N1: ten bit times
// a character. A line that went idle does not bank credit for later; the
// few milliseconds a sleep oversleeps are made up by the next write.
type pacer struct {
	w     io.Writer
	baud  int
	epoch time.Time // when the current burst started
	sent  int64     // characters in the burst so far
}

// idle is how far behind the schedule a write may start and still count
// as part of the same burst.
const idle = 20 * time.Millisecond

// Chunk is how many characters to hand over at once: about 2 ms of line
// time, since sleeping for less is not precise.
func (p *pacer) chunk() int {
	return max(1, p.baud/10/500)
}

func (p *pacer) Write(b []byte) (int, error) {
	if p.baud <= 0 {
		return p.w.Write(b)
	}
	now := time.Now()
	if p.epoch.IsZero() || now.Sub(p.done()) > idle {
		p.epoch, p.sent = now, 0
	}
	p.sent += int64(len(b))
	if d := time.Until(p.done()); d > 0 {
		time.Sleep(d) // the bytes are still on the wire
	}
	return p.w.Write(b)
}

// done is when the last character of the burst has left the UART.
func (p *pacer) done() time.Time {
	return p.epoch.Add(time.Duration(p.sent * 10 * int64(time.Second) / int64(p.baud)))
}
