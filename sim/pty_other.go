//go:build !unix

package sim

// PTY is a simulated board on a pseudo-terminal, where the system has them.
type PTY struct {
	Path  string
	Board *Board
}

// ServePTY is not available here.
func ServePTY(Config) (*PTY, error) { return nil, ErrNoPTY }

// Close does nothing.
func (p *PTY) Close() error { return nil }
