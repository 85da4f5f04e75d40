package uboot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrBaudRefused: the board does not offer the rate.
var ErrBaudRefused = errors.New("the board refuses the baud rate")

// switchSettle covers U-Boot's two 50 ms delays around the UART change
// (drivers/serial's baudrate callback): a CR sent sooner arrives while the
// board still listens at the old rate. There is no output to wait on.
const switchSettle = 150 * time.Millisecond

// SwitchBaud moves the line from one rate to another with U-Boot's
// `setenv baudrate` flow: the board announces the switch, changes its
// UART, and waits for a CR at the new rate; the prompt must then come back
// clean. If it does not, the line is brought back to the old rate.
func (s *Session) SwitchBaud(ctx context.Context, from, to int) error {
	var refusal []byte
	cmd := fmt.Sprintf("setenv baudrate %d", to)
	announced, err := s.con.Start(ctx, cmd, func(line []byte) bool {
		if bytes.HasPrefix(line, []byte("## Switch baudrate to")) {
			return true
		}
		if refusal == nil && len(line) > 0 {
			refusal = bytes.Clone(line)
		}
		return false
	})
	if err != nil {
		return err
	}
	if !announced {
		if refusal == nil {
			refusal = []byte("no answer")
		}
		return fmt.Errorf("%w: %d baud (%s)", ErrBaudRefused, to, refusal)
	}
	if err := s.follow(ctx, to); err == nil {
		switch {
		case s.fastBaud == 0: // up from the power-on rate
			s.baseBaud, s.fastBaud = from, to
		case to == s.baseBaud: // back down
			s.fastBaud = 0
		default:
			s.fastBaud = to
		}
		return nil
	} else {
		s.log.Warn("the prompt did not come back clean at the new rate; going back", "baud", to, "err", err)
	}
	// The board may be at either rate: try the old one, then the new one
	// (and from there switch back properly).
	if err := s.resyncAt(ctx, from); err == nil {
		return fmt.Errorf("%d baud did not work on this line; staying at %d", to, from)
	}
	if err := s.resyncAt(ctx, to); err != nil {
		return fmt.Errorf("lost the board after switching to %d baud: %w", to, err)
	}
	if err := s.SwitchBaud(ctx, to, from); err != nil {
		return fmt.Errorf("%d baud did not work, and switching back failed: %w", to, err)
	}
	return fmt.Errorf("%d baud did not work on this line; back at %d", to, from)
}

// follow switches the host side and confirms with a CR.
func (s *Session) follow(ctx context.Context, baud int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(switchSettle):
	}
	if _, err := s.con.SetBaudRate(baud); err != nil {
		return err
	}
	s.con.Discard()
	if err := s.con.Write(ctx, []byte("\r")); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.con.WaitPrompt(wctx)
}

func (s *Session) resyncAt(ctx context.Context, baud int) error {
	if _, err := s.con.SetBaudRate(baud); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return s.con.Sync(sctx)
}
