package uartrelay

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// device is a board without a line: after n bytes from the host it
// answers with reply, at once.
func device(t *testing.T, n int, reply []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, n)
				if _, err := io.ReadFull(c, buf); err == nil {
					c.Write(reply)
				}
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, target string, opt Options) net.Conn {
	r, err := Start(target, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	c, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestPacedBothWays: 5760 bytes at 115200 baud need 0.5 s on the wire,
// from the host to the device and from the device to the host; sent
// after an idle second, they take no less (but a FIFO's worth of credit),
// and not much more.
func TestPacedBothWays(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 360)
	line := time.Duration(len(data)-16) * 10 * time.Second / 115200
	for _, tc := range []struct {
		name        string
		send, reply []byte
	}{
		{"to the device", data, []byte{'k'}},
		{"to the host", []byte{'g'}, data},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, device(t, len(tc.send), tc.reply), Options{Baud: 115200})
			time.Sleep(time.Second) // an idle line banks no more than its FIFO
			start := time.Now()
			go c.Write(tc.send)
			got := make([]byte, len(tc.reply))
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, tc.reply) {
				t.Fatalf("read back %v", err)
			}
			if took := time.Since(start); took < line || took > line+200*time.Millisecond {
				t.Fatalf("%d bytes took %v; the line needs %v", len(data), took, line)
			}
		})
	}
}

// TestLatencyTimer: with an FTDI adapter's 16 ms timer, a one-byte
// answer arrives no sooner than 16 ms after it left the device.
func TestLatencyTimer(t *testing.T) {
	c := dial(t, device(t, 1, []byte{'y'}), FTDI(115200))
	buf := make([]byte, 1)
	start := time.Now()
	c.Write([]byte{'x'})
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 16*time.Millisecond || took > 60*time.Millisecond {
		t.Fatalf("a byte's round trip took %v, want 16 ms of latency and two characters of line time", took)
	}
}
