package telnet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// peer is the server's end of a connection, scripted by the test: it
// answers what the client asks as answer says.
func peer(t *testing.T, answer func(e event) []byte) (addr string, got *bytes.Buffer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got = new(bytes.Buffer)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var d decoder
		buf := make([]byte, 512)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			data, events := d.feed(buf[:n], nil)
			got.Write(data)
			for _, e := range events {
				if reply := answer(e); reply != nil {
					c.Write(reply)
				}
			}
		}
	}()
	return l.Addr().String(), got
}

// comPortServer takes RFC 2217 and answers each setting with the value
// asked, but sets every rate above 115200 to 115200.
func comPortServer(e event) []byte {
	switch {
	case e.verb == will && e.option == optComPort:
		return []byte{iac, do, optComPort}
	case e.verb == sb && e.option == optComPort:
		v := e.sub[1:]
		if e.sub[0] == setBaudRate && (v[0] != 0 || v[1] > 1 || (v[1] == 1 && v[2] > 0xc2)) {
			v = []byte{0, 1, 0xc2, 0}
		}
		return append(escape([]byte{iac, sb, optComPort, e.sub[0] + serverReply}, v, false), iac, se)
	}
	return nil
}

func TestServerRefusesRate(t *testing.T) {
	addr, _ := peer(t, comPortServer)
	c, err := Dial(context.Background(), addr, Options{ComPort: true, Baud: 57600, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.SetBaudRate(921600)
	if err == nil || !strings.Contains(err.Error(), "set the baud rate to 115200 baud when asked for 921600 baud") {
		t.Fatalf("err %v: want the rate refused in one sentence", err)
	}
	if err := c.SetBaudRate(38400); err != nil {
		t.Fatal(err)
	}
	if err := c.Purge(); err != nil {
		t.Fatal(err)
	}
}

func TestServerWithoutComPort(t *testing.T) {
	addr, _ := peer(t, func(e event) []byte {
		if e.verb == will {
			return []byte{iac, dont, e.option}
		}
		return nil
	})
	_, err := Dial(context.Background(), addr, Options{ComPort: true, Timeout: time.Second})
	if !errors.Is(err, ErrNoComPort) || !strings.Contains(err.Error(), "refused RFC 2217") {
		t.Fatalf("err %v: want ErrNoComPort", err)
	}
	silent, _ := peer(t, func(event) []byte { return nil })
	_, err = Dial(context.Background(), silent, Options{ComPort: true, Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrNoComPort) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err %v: want ErrNoComPort after the timeout", err)
	}
}

// The line's bytes go out with every 0xFF doubled, and come in undoubled;
// a closed connection is io.EOF.
func TestDataBothWays(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wire := make(chan []byte, 1)
	go func() {
		s, err := l.Accept()
		if err != nil {
			return
		}
		s.Write([]byte{iac, will, optBinary, iac, do, optBinary, 'o', 'k', iac, iac, '!'})
		raw, _ := io.ReadAll(s)
		wire <- raw
	}()
	c, err := Dial(context.Background(), l.Addr().String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	var in []byte
	for len(in) < 4 {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, buf[:n]...)
	}
	if string(in) != "ok\xff!" {
		t.Fatalf("read %q", in)
	}
	c.Write([]byte{0xff, 'x', '\r'})
	c.Close()
	if raw := <-wire; !bytes.HasSuffix(raw, []byte{0xff, 0xff, 'x', '\r'}) {
		t.Fatalf("sent %q", raw)
	}
}
