package sim

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Pipe powers on a simulated U-Boot in this process and returns the host's
// end of its serial line. Closing it switches the board off. Unless
// cfg.HostBaud says otherwise, the host's rate is what SetBaudRate set
// (none at first: no mismatch).
func Pipe(cfg Config) (*PipePort, error) {
	hostR, boardW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	boardR, hostW, err := os.Pipe()
	if err != nil {
		hostR.Close()
		boardW.Close()
		return nil, err
	}
	end := &PipePort{r: hostR, w: hostW}
	if cfg.HostBaud == nil {
		cfg.HostBaud = func() int { return int(end.baud.Load()) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(ctx, struct {
			io.Reader
			io.Writer
		}{boardR, boardW}, cfg)
		boardW.Close()
	}()
	end.stop = func() {
		cancel()
		hostW.Close() // the board reads EOF
		hostR.Close() // its writes fail
		<-done
		boardR.Close()
	}
	return end, nil
}

// PipePort is the host's end of an in-process simulated serial line.
type PipePort struct {
	r, w *os.File
	baud atomic.Int64
	once sync.Once
	stop func()
}

func (p *PipePort) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *PipePort) Write(b []byte) (int, error) { return p.w.Write(b) }

// SetBaudRate sets the host's side of the line; a rate other than the
// board's garbles both directions.
func (p *PipePort) SetBaudRate(baud int) error {
	p.baud.Store(int64(baud))
	return nil
}

func (p *PipePort) Close() error {
	p.once.Do(p.stop)
	return nil
}

// PTY is a simulated board on a pseudo-terminal: the host opens Path as it
// would open /dev/ttyUSB0.
type PTY struct {
	Path   string
	master *os.File
	slave  *os.File
	cancel context.CancelFunc
	done   chan struct{}
}

// ServePTY powers on a simulated U-Boot on a new pseudo-terminal. The board
// boots at once; a host that opens the terminal later finds it at the prompt.
// A host that sets a baud rate other than cfg.Baud reads garbage.
func ServePTY(cfg Config) (*PTY, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open a pseudo-terminal: %w", err)
	}
	// Raw until the host opens it: no echo of the host's input back to
	// the board, no line editing.
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		master.Close()
		slave.Close()
		return nil, err
	}
	if cfg.Baud > 0 {
		setSpeed(slave, cfg.Baud)
	}
	cfg.HostBaud = func() int { return ptyBaud(master) }
	ctx, cancel := context.WithCancel(context.Background())
	p := &PTY{Path: slave.Name(), master: master, slave: slave, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		Serve(ctx, master, cfg)
	}()
	return p, nil
}

// Close switches the board off.
func (p *PTY) Close() error {
	p.cancel()
	p.slave.Close()
	p.master.Close()
	<-p.done
	return nil
}

// ptyBaud is the line rate the host set on the terminal's slave side; on
// Linux the master's TCGETS2 reports the slave's settings. Control keeps
// the descriptor alive (and non-blocking) during the call, so a concurrent
// Close is safe.
func ptyBaud(master *os.File) int {
	rc, err := master.SyscallConn()
	if err != nil {
		return 0
	}
	baud := 0
	rc.Control(func(fd uintptr) {
		if t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS2); err == nil {
			baud = int(t.Ospeed)
		}
	})
	return baud
}

func setSpeed(f *os.File, baud int) {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS2)
	if err != nil {
		return
	}
	t.Cflag &^= unix.CBAUD
	t.Cflag |= unix.BOTHER
	t.Ispeed, t.Ospeed = uint32(baud), uint32(baud)
	unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS2, t)
}

// ListenTCP serves one simulated U-Boot board on addr until ctx ends.
// The board powers on at once and lives on across connections, as a real
// board does while a USB-serial adapter is unplugged and plugged back: a
// new connection takes over the console. ready, if not nil, receives the
// bound address; board, if not nil, the board (for its fault counts).
func ListenTCP(ctx context.Context, addr string, cfg Config, ready func(net.Addr, *Board)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	board := NewBoard(cfg)
	if ready != nil {
		ready(ln.Addr(), board)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	running := make(chan error, 1)
	go func() { running <- board.Run(ctx) }()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		<-running
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		conns = append(conns, conn)
		board.Attach(ctx, conn)
	}
}
