package dialect

import (
	"context"
	"time"

	"github.com/bootdump/bootdump/console"
)

// Dialer opens the port to the board, anew for each connection.
type Dialer func(ctx context.Context) (console.Port, error)

// Link says how to reach the board again after the line was lost.
type Link struct {
	Dial        Dialer
	Console     console.Options
	SyncTimeout time.Duration // how long to wait for a prompt (a rebooting board takes seconds)
}

// Redial opens the port again and starts a console on it (not yet synced).
func (l *Link) Redial(ctx context.Context) (*console.Console, error) {
	port, err := l.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return console.New(port, l.Console), nil
}
