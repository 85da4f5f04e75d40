package sim

import (
	"io"
	"time"
)

// pacer delivers bytes no faster than a UART at baud, 8N1: ten bit times
// a character. A line that went idle does not bank credit for later.
type pacer struct {
	w     io.Writer
	baud  int
	epoch time.Time // when the current burst started
	sent  int64     // characters in the burst so far
}

func (p *pacer) Write(b []byte) (int, error) {
	if p.baud <= 0 {
		return p.w.Write(b)
	}
	now := time.Now()
	if p.epoch.IsZero() || now.After(p.done()) {
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
