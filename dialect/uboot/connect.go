package uboot

import (
	"context"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Close closes the line.
func (s *Session) Close() error { return s.con.Close() }

// Console is the session's console (it changes on Reconnect).
func (s *Session) Console() *console.Console { return s.con }

// Reconnect dials the board again after the line was lost (a yanked USB
// adapter) and picks up where the session was.
func (s *Session) Reconnect(ctx context.Context) error {
	con, err := s.link.Replace(ctx, s.con)
	if err != nil {
		return err
	}
	s.con = con
	return s.recover(ctx)
}

// Resync brings the console back to a fresh prompt after a failed command
// (a stall, a reset, an echo that came back wrong).
func (s *Session) Resync(ctx context.Context) error { return s.recover(ctx) }

// recover finds the prompt again, at the fast rate or, after a reset put
// the board back at its power-on rate, at the base one (and switches up
// again). RAM may have been lost, so the scratch buffer is filled anew;
// the board may be another build, so md.q is asked again.
func (s *Session) recover(ctx context.Context) error {
	sync := func(baud int) error {
		if baud != 0 {
			if _, err := s.con.SetBaudRate(baud); err != nil {
				return err
			}
		}
		return s.link.Sync(ctx, s.con)
	}
	if s.fastBaud == 0 {
		if err := sync(0); err != nil {
			return err
		}
	} else if err := sync(s.fastBaud); err != nil {
		if err := sync(s.baseBaud); err != nil {
			return err
		}
		fast := s.fastBaud
		s.fastBaud, s.moved = 0, nil // U-Boot set its UART again
		s.log.Warn("the board is back at its power-on rate; switching up again", "baud", fast)
		if err := s.SwitchBaud(ctx, s.baseBaud, fast); err != nil {
			s.log.Warn("staying at the power-on rate", "err", err)
		}
	}
	s.scratchLen, s.scratchFill, s.bdinfo = 0, -1, nil
	s.fast = nil // RAM may be lost, and the reader with it
	probe, err := s.probeAddr(ctx)
	if err != nil {
		return err
	}
	return s.probeWidth(ctx, probe)
}

var (
	_ dialect.Session       = (*Session)(nil)
	_ dialect.BaudSwitcher  = (*Session)(nil)
	_ dialect.Describer     = (*Session)(nil)
	_ dialect.FlashWindower = (*Session)(nil)
	_ dialect.FastReader    = (*Session)(nil)
	_ dialect.FlashWindow   = (*Window)(nil)
	_ dialect.Checksummer   = withCRC{}
	_ dialect.FillChecker   = withCRC{}
	_ dialect.Programmer    = withCRC{}
	_ dialect.Checksummer   = windowWithCRC{}
	_ dialect.FillChecker   = windowWithCRC{}
)
