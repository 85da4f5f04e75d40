//go:build unix

package sim

import (
	"context"
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// PTY is a simulated board on a pseudo-terminal: the host opens Path as it
// would open /dev/ttyUSB0.
type PTY struct {
	Path   string
	Board  *Board
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
	p := &PTY{Path: slave.Name(), Board: NewBoard(cfg), master: master, slave: slave, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.Board.Serve(ctx, master)
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
