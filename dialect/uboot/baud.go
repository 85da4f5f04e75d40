package uboot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/dialect"
)

// switchSettle covers U-Boot's two 50 ms delays around the UART change
// (drivers/serial's baudrate callback): a CR sent sooner arrives while the
// board still listens at the old rate. There is no output to wait on.
const switchSettle = 150 * time.Millisecond

// SwitchBaud moves the line from one rate to another with U-Boot's
// `setenv baudrate` flow (switchBySetenv) or, where U-Boot's table refuses
// the rate, with the binary reader, which sets the UART's divisor itself
// (switchByReader). Once the reader has moved the UART, it moves it back:
// U-Boot still believes it runs at its old rate, and setenv would change
// nothing.
func (s *Session) SwitchBaud(ctx context.Context, from, to int) error {
	if s.moved != nil {
		return s.switchByReader(ctx, from, to)
	}
	err := s.switchBySetenv(ctx, from, to)
	if !errors.Is(err, dialect.ErrBaudRefused) {
		return err
	}
	if rerr := s.switchByReader(ctx, from, to); rerr != nil {
		return fmt.Errorf("%w, and the binary reader could not set the UART's divisor itself: %v", err, rerr)
	}
	why := fmt.Sprintf("U-Boot's table has no %d baud", to)
	if errors.Is(err, errUARTStayed) {
		why = fmt.Sprintf("U-Boot's UART stayed at %d baud", from)
	}
	s.log.Info(why + ": the binary reader set the UART's divisor for it")
	return nil
}

// errUARTStayed: U-Boot announced the switch, and its UART did not make
// it.
var errUARTStayed = errors.New("its UART stayed")

// switchBySetenv is U-Boot's flow: the board announces the switch,
// changes its UART, and waits for a CR at the new rate; the prompt must
// then come back clean. If it does not, the line is brought back to the
// old rate.
func (s *Session) switchBySetenv(ctx context.Context, from, to int) error {
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
		return fmt.Errorf("%w: %d baud (%s)", dialect.ErrBaudRefused, to, refusal)
	}
	if err := s.follow(ctx, to); err == nil {
		s.switched(from, to)
		return nil
	} else {
		s.log.Warn("the prompt did not come back clean at the new rate; going back", "baud", to, "err", err)
	}
	// The board may be at either rate: try the old one, then the new one
	// (and from there switch back properly). At the old one, its UART never
	// moved: the serial driver sets the build's rate, whatever the variable
	// says (MediaTek/Ralink's SDK does), and the reader may do better.
	if err := s.resyncAt(ctx, from); err == nil {
		s.setBaudVariable(ctx, from)
		return fmt.Errorf("%w: U-Boot announced %d baud, but %w at %d (its serial driver sets the rate it was built for)", dialect.ErrBaudRefused, to, errUARTStayed, from)
	}
	if err := s.resyncAt(ctx, to); err != nil {
		return fmt.Errorf("lost the board after switching to %d baud: %w", to, err)
	}
	if err := s.SwitchBaud(ctx, to, from); err != nil {
		return fmt.Errorf("%d baud did not work, and switching back failed: %w", to, err)
	}
	return fmt.Errorf("%d baud did not work on this line; back at %d", to, from)
}

// setBaudVariable sets U-Boot's baudrate variable back to rate, the one
// its UART runs at, through the same announce-and-confirm flow, so that
// U-Boot's own idea of its rate stays true.
func (s *Session) setBaudVariable(ctx context.Context, rate int) {
	announced, err := s.con.Start(ctx, fmt.Sprintf("setenv baudrate %d", rate), func(line []byte) bool {
		return bytes.HasPrefix(line, []byte("## Switch baudrate to"))
	})
	if err == nil && announced {
		err = s.follow(ctx, rate)
	}
	if err != nil {
		s.log.Warn("could not set U-Boot's baudrate variable back", "baud", rate, "err", err)
	}
}

// switched keeps the rates a reconnection looks for.
func (s *Session) switched(from, to int) {
	switch {
	case s.fastBaud == 0: // up from the power-on rate
		s.baseBaud, s.fastBaud = from, to
	case to == s.baseBaud: // back down
		s.fastBaud = 0
	default:
		s.fastBaud = to
	}
}

// movedUART is the console's UART while the reader holds it at a rate
// U-Boot does not know: U-Boot set divisor for rate.
type movedUART struct {
	uart    consoleUART
	divisor uint32
	rate    int
}

// divisorFor is the divisor for rate to: U-Boot's own for its rate,
// else from the UART's clock where it is known (a divisor U-Boot rounded,
// or cut short as Ralink's SDK does, carries its error into any scaled
// from it), else scaled from U-Boot's, else (where U-Boot left it 0, as
// on QEMU's virt PL011, which runs at any) from the clock of the node the
// device tree's clocks name.
func (s *Session) divisorFor(ctx context.Context, m *movedUART, to int) (uint32, error) {
	switch {
	case m.divisor != 0 && to == m.rate:
		return m.divisor, nil
	case m.uart.clock != 0:
		return binreader.DivisorFor(m.uart.kind, m.uart.clock, to)
	case m.divisor != 0:
		return binreader.ScaleDivisor(m.uart.kind, m.divisor, m.rate, to)
	}
	if m.uart.clock == 0 && m.uart.clockRef != 0 {
		clock, err := s.clockOf(ctx, m.uart.clockRef)
		if err != nil {
			return 0, fmt.Errorf("U-Boot left the UART's divisor unset, and its clock is not known: %v", err)
		}
		m.uart.clock = clock
	}
	if m.uart.clock == 0 {
		return 0, errors.New("U-Boot left the UART's divisor unset, and the device tree gives it no clock")
	}
	return binreader.DivisorFor(m.uart.kind, m.uart.clock, to)
}

// switchByReader sets the UART's divisor for rate to with the binary
// reader (set up once, and kept for the dump), scaled from the one U-Boot
// set, and reads it back.
func (s *Session) switchByReader(ctx context.Context, from, to int) error {
	if s.noUpload {
		return errors.New("it is not put on the board with --reader md")
	}
	if s.fast == nil {
		r, err := s.startBinaryReader(ctx)
		if err != nil {
			return err
		}
		s.fast = r
	}
	r, m := s.fast, s.moved
	if m == nil {
		u, err := s.findUART(ctx)
		if err != nil {
			return err
		}
		if isMIPS(r.prog.Arch) && u.base < 0x20000000 {
			// the device tree's physical address: MIPS reaches registers
			// uncached, through KSEG1
			kseg0 := 0x80000000 | u.base
			if r.prog.Arch.Word == 8 {
				kseg0 |= 0xffffffff00000000
			}
			if u.base, err = uncached(kseg0); err != nil {
				return err
			}
		}
		if u.clock != 0 { // a rate the UART cannot make is refused before the reader touches it
			if _, err := binreader.DivisorFor(u.kind, u.clock, to); err != nil {
				return err
			}
		}
		p, err := r.once(ctx, u.params(r.jt, 0))
		if err != nil {
			return err
		}
		m = &movedUART{uart: u, divisor: uint32(p.Result), rate: from}
	}
	d, err := s.divisorFor(ctx, m, to)
	if err != nil {
		return err
	}
	if err := r.moveUART(ctx, m.uart, d, from, to); err != nil {
		return err
	}
	s.moved = m
	if to == m.rate {
		s.moved = nil // where U-Boot left it
	}
	s.switched(from, to)
	p, err := r.once(ctx, m.uart.params(r.jt, 0))
	if err == nil && uint32(p.Result) != d {
		err = fmt.Errorf("the UART's divisor reads back %#x, not the %#x the reader set", p.Result, d)
	}
	if err != nil {
		if to != m.rate {
			if berr := s.switchByReader(ctx, to, from); berr != nil {
				return fmt.Errorf("%w; and going back to %d baud: %v", err, from, berr)
			}
		}
		return err
	}
	s.log.Debug(fmt.Sprintf("the reader set %s's divisor to %#x for %d baud (U-Boot's for %d: %#x); it reads back so", m.uart.path, d, to, m.rate, m.divisor))
	return nil
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
