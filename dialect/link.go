package dialect

import (
	"context"
	"errors"
	"time"

	"github.com/bootdump/bootdump/console"
)

// ErrCannotRedial: the line was lost, and the link has no way to open it
// again (a session on a port its caller opened): waiting cannot help.
var ErrCannotRedial = errors.New("the line was lost and cannot be opened again")

// Dialer opens the port to the board, anew for each connection.
type Dialer func(ctx context.Context) (console.Port, error)

// Link says how to reach the board, and how to reach it again after the
// line was lost. The zero Link cannot dial: its sessions cannot reconnect.
type Link struct {
	Dial        Dialer
	Console     console.Options
	SyncTimeout time.Duration // how long to wait for a prompt (a rebooting board takes seconds); default 30 s
}

// Redial opens the port again and starts a console on it (not yet synced).
func (l *Link) Redial(ctx context.Context) (*console.Console, error) {
	if l == nil || l.Dial == nil {
		return nil, ErrCannotRedial
	}
	port, err := l.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return console.New(port, l.Console), nil
}

// Sync brings con to a fresh prompt, waiting at most the link's sync
// timeout.
func (l *Link) Sync(ctx context.Context, con *console.Console) error {
	sctx, cancel := context.WithTimeout(ctx, l.Timeout())
	defer cancel()
	return con.Sync(sctx)
}

// Timeout is how long the link waits for a prompt.
func (l *Link) Timeout() time.Duration {
	if l != nil && l.SyncTimeout > 0 {
		return l.SyncTimeout
	}
	return 30 * time.Second
}

// Connect dials and brings the new console to a fresh prompt.
func (l *Link) Connect(ctx context.Context) (*console.Console, error) {
	con, err := l.Redial(ctx)
	if err != nil {
		return nil, err
	}
	if err := l.Sync(ctx, con); err != nil {
		con.Close()
		return nil, err
	}
	return con, nil
}

// Replace closes a console whose line was lost and dials a new one (not
// yet synced: the session knows how it gets back to its prompt).
func (l *Link) Replace(ctx context.Context, old *console.Console) (*console.Console, error) {
	if l == nil || l.Dial == nil {
		old.Close()
		return nil, ErrCannotRedial
	}
	old.Close()
	return l.Redial(ctx)
}
