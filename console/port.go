package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bootdump/bootdump/telnet"
	"go.bug.st/serial"
)

// Port is a byte stream to a bootloader's console.
type Port interface {
	io.ReadWriteCloser
}

// Flow control settings for serial ports.
const (
	FlowNone    = "none"
	FlowRTSCTS  = "rtscts"
	FlowXONXOFF = "xonxoff"
)

// PortOptions configure Open.
type PortOptions struct {
	Baud int    // line rate; default 115200
	Flow string // FlowNone (default), FlowRTSCTS or FlowXONXOFF; serial devices only
	// Said, if set, hears what opening did beyond opening (an FTDI
	// adapter's latency timer lowered), for the log.
	Said func(what string)
}

// Open opens a port named as on the command line: a serial device path
// (/dev/ttyUSB0), tcp://HOST:PORT (ser2net's raw mode, QEMU),
// rfc2217://HOST:PORT (a serial server whose port's rate bootdump sets)
// or telnet://HOST:PORT (a server in telnet mode, at its own rate). Other transports (the
// simulator's sim: ports) are the caller's to dial.
func Open(ctx context.Context, name string, opt PortOptions) (Port, error) {
	if opt.Baud == 0 {
		opt.Baud = 115200
	}
	switch {
	case strings.HasPrefix(name, "tcp://"):
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(name, "tcp://"))
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w (is ser2net or QEMU listening there?)", name, err)
		}
		return conn, nil
	case strings.HasPrefix(name, "rfc2217://"):
		addr := strings.TrimPrefix(name, "rfc2217://")
		c, err := telnet.Dial(ctx, addr, telnet.Options{ComPort: true, Baud: opt.Baud, Flow: opt.Flow})
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w (is it a serial server with RFC 2217, such as ser2net's telnet(rfc2217) accepter?)", name, err)
		}
		return c, nil
	case strings.HasPrefix(name, "telnet://"):
		c, err := telnet.Dial(ctx, strings.TrimPrefix(name, "telnet://"), telnet.Options{})
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w (is a serial server listening there?)", name, err)
		}
		// Plain telnet sets no rate: the port is the server's as configured.
		return struct{ io.ReadWriteCloser }{c}, nil
	default:
		return openSerial(name, opt)
	}
}

// looksLikeHostPort: name is HOST:PORT, which a serial device's name
// never is.
func looksLikeHostPort(name string) bool {
	host, port, err := net.SplitHostPort(name)
	if err != nil || host == "" || strings.ContainsAny(host, `/\`) {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536
}

func openSerial(name string, opt PortOptions) (Port, error) {
	path, err := NativeName(runtime.GOOS, name)
	if err != nil {
		return nil, err
	}
	unlock, err := lockPort(path)
	if err != nil {
		return nil, err
	}
	// serial.Open also asks for exclusive use (TIOCEXCL) where it can.
	p, err := serial.Open(path, &serial.Mode{
		BaudRate: opt.Baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit,
	})
	if err != nil {
		unlock()
		var pe *serial.PortError
		if errors.As(err, &pe) && pe.Code() == serial.PortBusy {
			return nil, fmt.Errorf("%s is in use by another program (the system opens a serial port for one program at a time): close it first: %w", name, ErrBusy)
		}
		if looksLikeHostPort(name) {
			return nil, fmt.Errorf("open serial port %s: %w (for a TCP port, write tcp://%s; rfc2217:// or telnet:// for those servers)", name, err, name)
		}
		return nil, fmt.Errorf("open serial port %s: %w (check the name, see bootdump ports, and that you may use it, e.g. group dialout on Linux)", name, err)
	}
	// A short read timeout lets the reader notice Close; serial reports a
	// timeout as (0, nil), which serialPort turns into "try again".
	if err := p.SetReadTimeout(100 * time.Millisecond); err != nil {
		p.Close()
		unlock()
		return nil, err
	}
	if err := setFlowControl(path, opt.Flow); err != nil {
		p.Close()
		unlock()
		return nil, fmt.Errorf("set flow control %q on %s: %w", opt.Flow, path, err)
	}
	sp := &serialPort{Port: p, unlock: unlock}
	if restore, did := lowerLatency(path); did != "" {
		if restore != nil {
			sp.unlock = func() { restore(); unlock() }
		}
		if opt.Said != nil {
			opt.Said(did)
		}
	}
	return sp, nil
}

// serialPort hides go.bug.st/serial's (0, nil) timeouts: Read returns only
// when there is data or an error. Close gives up the port's lock.
type serialPort struct {
	serial.Port
	unlock func()
	once   sync.Once
}

func (s *serialPort) Close() error {
	err := s.Port.Close()
	s.once.Do(s.unlock)
	return err
}

// SetBaudRate changes the line rate, keeping 8N1.
func (s *serialPort) SetBaudRate(baud int) error {
	return s.Port.SetMode(&serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
}

func (s *serialPort) Read(b []byte) (int, error) {
	for {
		n, err := s.Port.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
	}
}
