package console

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.bug.st/serial"

	"github.com/bootdump/bootdump/sim"
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
}

// Open opens a port named as on the command line: a serial device path
// (/dev/ttyUSB0), tcp://HOST:PORT, or sim:uboot?image=FILE&base=A&... for
// the in-process simulator.
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
	case strings.HasPrefix(name, "sim:"):
		return openSim(name, opt.Baud)
	default:
		return openSerial(name, opt)
	}
}

func openSerial(path string, opt PortOptions) (Port, error) {
	p, err := serial.Open(path, &serial.Mode{
		BaudRate: opt.Baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit,
	})
	if err != nil {
		return nil, fmt.Errorf("open serial port %s: %w (check the path, e.g. ls /dev/ttyUSB*, and that you may use it, e.g. group dialout)", path, err)
	}
	// A short read timeout lets the reader notice Close; serial reports a
	// timeout as (0, nil), which serialPort turns into "try again".
	if err := p.SetReadTimeout(100 * time.Millisecond); err != nil {
		p.Close()
		return nil, err
	}
	if err := setFlowControl(path, opt.Flow); err != nil {
		p.Close()
		return nil, fmt.Errorf("set flow control %q on %s: %w", opt.Flow, path, err)
	}
	return &serialPort{Port: p}, nil
}

// serialPort hides go.bug.st/serial's (0, nil) timeouts: Read returns only
// when there is data or an error.
type serialPort struct{ serial.Port }

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

// openSim parses sim:DIALECT?image=FILE&base=A&baud=N&order=be&layout=old&bits=64&bootdelay=N&crc32=no
// &sf=FILE&nand=FILE&nandbad=OFF,...&mmc=FILE&mtdparts=SPEC&prompt=P&images=NAME@BASE+SIZE:FLAGS,...
// DIALECT is uboot, winbond, cfe, redboot or barebox.
func openSim(name string, hostBaud int) (Port, error) {
	u, err := url.Parse(name)
	if err != nil {
		return nil, fmt.Errorf("bad simulator port %q: %w", name, err)
	}
	dialect := u.Opaque
	if !slices.Contains(sim.Dialects, dialect) {
		return nil, fmt.Errorf("bad simulator port %q: the simulator speaks %s, not %q", name, strings.Join(sim.Dialects, ", "), dialect)
	}
	cfg, err := SimConfig(u.Query())
	if err != nil {
		return nil, fmt.Errorf("bad simulator port %q: %w", name, err)
	}
	cfg.Dialect = dialect
	p, err := sim.Pipe(cfg)
	if err != nil {
		return nil, err
	}
	p.SetBaudRate(hostBaud)
	return p, nil
}

// SimConfig builds a simulator configuration from sim: port parameters.
func SimConfig(q url.Values) (sim.UBootConfig, error) {
	var cfg sim.UBootConfig
	path := q.Get("image")
	if path == "" {
		return cfg, fmt.Errorf("no image: add ?image=FILE")
	}
	img, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("simulator image: %w", err)
	}
	cfg.Image = img
	num := func(key string) (uint64, error) {
		s := q.Get(key)
		if s == "" {
			return 0, nil
		}
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%s=%s is not a number", key, s)
		}
		return v, nil
	}
	if cfg.Base, err = num("base"); err != nil {
		return cfg, err
	}
	baud, err := num("baud")
	if err != nil {
		return cfg, err
	}
	cfg.Baud = int(baud)
	delay, err := num("bootdelay")
	if err != nil {
		return cfg, err
	}
	cfg.BootDelay = int(delay)
	cfg.BigEndian = q.Get("order") == "be"
	cfg.OldLayout = q.Get("layout") == "old"
	cfg.Bits64 = q.Get("bits") == "64"
	cfg.NoCRC32 = q.Get("crc32") == "no"
	cfg.Mtdparts = q.Get("mtdparts")
	cfg.Prompt = q.Get("prompt")
	if spec := q.Get("images"); spec != "" {
		if cfg.Images, err = sim.ParseImages(spec); err != nil {
			return cfg, err
		}
	}
	// Flash behind controllers: sf=FILE, nand=FILE (nandbad=OFF,OFF...), mmc=FILE.
	for _, kind := range []string{"sf", "nand", "mmc"} {
		if path := q.Get(kind); path != "" {
			dev, err := sim.FlashFromFile(kind, path, q.Get(kind+"bad"))
			if err != nil {
				return cfg, err
			}
			cfg.Flash = append(cfg.Flash, dev)
		}
	}
	return cfg, nil
}
