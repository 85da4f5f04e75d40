// Package uartrelay carries a TCP console (QEMU's serial socket, the
// simulator's) to a host as a real serial line and USB adapter would: for
// tests and benchmarks that must not be faster than the real thing.
//
//   - Each direction is paced like a UART at the baud rate, 8N1: a
//     character takes ten bit times. A line that sat idle banks at most a
//     FIFO's worth of characters (16 by default) of credit: what was not
//     sent while it was idle is never sent faster later.
//   - What the device sends waits, as in an FTDI adapter, until a USB
//     packet (62 bytes of data) fills or the latency timer (16 ms by
//     default on Linux) runs out since its first byte: every short answer
//     (a prompt, an acknowledgement) is held back that long.
//
// Delivery is in pieces of about a millisecond of line time, each when
// its last character would have left the wire.
package uartrelay

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape the line.
type Options struct {
	Baud int // characters a second are Baud/10
	// FIFO is the credit an idle line banks, in characters; default 16.
	FIFO int
	// Latency is the adapter's latency timer on what the device sends;
	// 0 for an ideal adapter. FTDI's default is 16 ms.
	Latency time.Duration
	// Packet is the adapter's USB packet's data; default 62 (FTDI).
	Packet int
}

// FTDI is an FTDI adapter at its defaults, at baud.
func FTDI(baud int) Options { return Options{Baud: baud, Latency: 16 * time.Millisecond} }

// Relay listens on the loopback and carries each connection to the target.
type Relay struct {
	Addr string // host:port to connect to
	ln   net.Listener
	// ToDevice and ToHost count the bytes carried each way.
	ToDevice, ToHost atomic.Int64
	wg               sync.WaitGroup
	mu               sync.Mutex
	open             []net.Conn // the connection under way, both ends
}

// Start relays connections on a new loopback port to target (host:port),
// one at a time, until Close. Each host connection gets a new connection
// to the target.
func Start(target string, opt Options) (*Relay, error) {
	if opt.FIFO == 0 {
		opt.FIFO = 16
	}
	if opt.Packet == 0 {
		opt.Packet = 62
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{Addr: ln.Addr().String(), ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			host, err := ln.Accept()
			if err != nil {
				return
			}
			dev, err := net.Dial("tcp", target)
			if err != nil {
				host.Close()
				continue
			}
			setNoDelay(host)
			setNoDelay(dev)
			r.mu.Lock()
			r.open = []net.Conn{host, dev}
			r.mu.Unlock()
			var both sync.WaitGroup
			both.Add(2)
			go func() {
				defer both.Done()
				carry(dev, host, opt, 0, 1, &r.ToDevice)
				dev.Close()
			}()
			go func() {
				defer both.Done()
				carry(host, dev, opt, opt.Latency, opt.Packet, &r.ToHost)
				host.Close()
			}()
			both.Wait()
		}
	}()
	return r, nil
}

// Close stops listening, ends the connection under way, and waits.
func (r *Relay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	for _, c := range r.open {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

func setNoDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
}

// arrival is bytes that reached the relay, and when.
type arrival struct {
	b  []byte
	at time.Time
}

// carry paces what src sends onto dst until either fails. latency and
// packet shape the adapter's side (packet 1: bytes go on as they leave
// the wire).
func carry(dst io.Writer, src io.Reader, opt Options, latency time.Duration, packet int, count *atomic.Int64) {
	in := make(chan arrival, 1024)
	go func() {
		defer close(in)
		for {
			buf := make([]byte, 4096)
			n, err := src.Read(buf)
			if n > 0 {
				in <- arrival{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	char := time.Duration(10 * int64(time.Second) / int64(opt.Baud))
	piece := max(1, int(time.Millisecond/char)) // about 1 ms of line time
	var free time.Time                          // when the wire is next free
	var pending []byte                          // in the adapter, not yet sent to the host
	var held time.Time                          // when pending's first byte left the wire
	send := func(b []byte) bool {
		_, err := dst.Write(b)
		count.Add(int64(len(b)))
		return err == nil
	}
	flushDue := func(now time.Time) bool {
		if len(pending) > 0 && (len(pending) >= packet || !now.Before(held.Add(latency))) {
			ok := send(pending)
			pending = pending[:0]
			return ok
		}
		return true
	}
	for {
		var a arrival
		var ok bool
		if len(pending) > 0 {
			// Wait for more bytes, or for the latency timer.
			select {
			case a, ok = <-in:
			case <-time.After(time.Until(held.Add(latency))):
				if !flushDue(time.Now()) {
					return
				}
				continue
			}
		} else {
			a, ok = <-in
		}
		if !ok {
			if len(pending) > 0 {
				time.Sleep(time.Until(held.Add(latency)))
				send(pending)
			}
			return
		}
		// The line banks at most FIFO characters of idle time.
		if earliest := a.at.Add(-time.Duration(opt.FIFO) * char); free.Before(earliest) {
			free = earliest
		}
		for b := a.b; len(b) > 0; {
			n := min(piece, len(b))
			free = free.Add(time.Duration(n) * char)
			if d := time.Until(free); d > 0 {
				time.Sleep(d)
			}
			if latency == 0 {
				if !send(b[:n]) {
					return
				}
			} else {
				for _, c := range b[:n] {
					if len(pending) == 0 {
						held = time.Now()
					}
					pending = append(pending, c)
					if len(pending) >= packet && !flushDue(time.Now()) {
						return
					}
				}
				if !flushDue(time.Now()) {
					return
				}
			}
			b = b[n:]
		}
	}
}
