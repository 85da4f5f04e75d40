package sim

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
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

// ErrNoPTY: the system has no pseudo-terminals; serve on TCP instead.
var ErrNoPTY = errors.New("this system has no pseudo-terminals: serve on TCP (--listen tcp://127.0.0.1:PORT)")

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
