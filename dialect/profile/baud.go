package profile

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// baudSettle is how long the board may take to move its UART after it
// echoed the command: it prints nothing to wait on.
const baudSettle = 150 * time.Millisecond

// switchBaud moves the line with the profile's rate command: the board
// echoes the command at the old rate, then listens at the new one. The
// host follows and finds the prompt there; if it does not, the line goes
// back to the old rate.
func (s *Session) switchBaud(ctx context.Context, from, to int) error {
	b := s.p.Baud
	if !slices.Contains(b.Rates, to) {
		return fmt.Errorf("%w: %s takes %s", dialect.ErrBaudRefused, s.p.Name, rateList(b.Rates))
	}
	cmd := strings.ReplaceAll(b.Command, "{baud}", strconv.Itoa(to))
	if err := s.con.Echoed(ctx, cmd); err != nil {
		return err
	}
	if err := s.resyncAt(ctx, to); err == nil {
		return nil
	} else {
		s.log.Warn("no prompt at the new rate; going back", "baud", to, "err", err)
	}
	if err := s.resyncAt(ctx, from); err == nil {
		return fmt.Errorf("%d baud did not work on this line; staying at %d", to, from)
	}
	return fmt.Errorf("lost the board after switching to %d baud", to)
}

// resyncAt moves the host's side of the line to baud and finds the prompt
// there (what crossed the switch is noise).
func (s *Session) resyncAt(ctx context.Context, baud int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(baudSettle):
	}
	if _, err := s.con.SetBaudRate(baud); err != nil {
		return err
	}
	s.con.Discard()
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return s.Resync(sctx)
}

func rateList(rates []int) string {
	var words []string
	for _, r := range rates {
		words = append(words, strconv.Itoa(r))
	}
	return strings.Join(words, ", ") + " baud"
}

// withBaud is a session of a profile that has a rate command.
type withBaud struct{ *Session }

// SwitchBaud moves the line from one rate to another, host and board.
func (s withBaud) SwitchBaud(ctx context.Context, from, to int) error {
	return s.switchBaud(ctx, from, to)
}

// withChecksumAndBaud has both.
type withChecksumAndBaud struct{ withChecksum }

// SwitchBaud moves the line from one rate to another, host and board.
func (s withChecksumAndBaud) SwitchBaud(ctx context.Context, from, to int) error {
	return s.switchBaud(ctx, from, to)
}
