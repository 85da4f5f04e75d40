package sim

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// loader is a simple bootloader the shell runs: how its console prints
// and edits lines, its boot (banner and autoboot countdown), and its
// commands. Each is a personality in a file of its own.
type loader struct {
	style lineStyle
	// boot prints the banner and counts down; it reports whether a key
	// stopped the countdown.
	boot func(s *shell) (stopped bool, err error)
	// exec runs one command line, split into words.
	exec func(s *shell, args []string)
	// The terminal a firmware's console drives, where it is one (each
	// nil for a plain line editor): prompt prints the prompt, echo a
	// typed key that becomes column col of the line, enter what the line's
	// end shows.
	prompt func(s *shell)
	echo   func(s *shell, c byte, col int)
	enter  func(s *shell, line []byte)
	// runsEmpty: an empty line is run too (Forth answers it with " ok").
	runsEmpty bool
}

// lineStyle is how a console's lines look and are edited.
type lineStyle struct {
	lfcr           bool // LF CR for every LF
	crBeforePrompt bool // a CR before each prompt
	escSwallows    bool // the line editor swallows the key after an ESC
	keepsControls  bool // the line editor echoes and keeps control characters (Ctrl-C too)
}

// shellFirmware makes the firmware of a board that runs l.
func shellFirmware(l loader) func(b *parts) firmware {
	return func(b *parts) firmware { return newShell(b, l) }
}

// shell runs the bootloaders other than U-Boot (the Winbond/Nuvoton boot
// loader of the seed's camera, Broadcom CFE, RedBoot, barebox): a line
// editor, a prompt, and the loader's commands, printed by the code here.
type shell struct {
	ld     loader
	cfg    Config
	ctx    context.Context
	uart   *line // the UART: keys, resets
	out    *lineOut
	in     <-chan byte
	faults *faultState
	mem    *memory
	order  binary.ByteOrder // the CPU's
}

func newShell(b *parts, ld loader) *shell {
	b.line.out.lfcr = ld.style.lfcr
	var order binary.ByteOrder = binary.LittleEndian
	if b.cfg.BigEndian {
		order = binary.BigEndian
	}
	return &shell{ld: ld, cfg: b.cfg, uart: b.line, out: b.line.out, in: b.line.in, faults: b.faults, mem: b.mem, order: order}
}

func (s *shell) run(ctx context.Context) (err error) {
	defer catchReset(&err)
	s.ctx = ctx
	s.uart.powerOn()
	s.faults.powerOn()
	s.mem.resetRAM()
	s.out.setBaud(s.cfg.Baud)
	s.out.lfcr = s.ld.style.lfcr // Linux may have changed it
	stopped, err := s.ld.boot(s)
	if err != nil {
		return err
	}
	if !stopped {
		if s.cfg.Linux {
			return bootLinux(ctx, s.uart)
		}
		// There is no kernel to run: like the U-Boot board, fall back to
		// the prompt, where a host that comes later finds it.
		s.out.puts("no kernel in this simulated flash; back to the boot loader\n")
	}
	for {
		if s.ld.style.crBeforePrompt {
			s.out.putc('\r')
		}
		if s.ld.prompt != nil {
			s.ld.prompt(s)
		} else {
			s.out.puts(s.cfg.Prompt)
		}
		cmd, err := s.readLine()
		if err != nil {
			return err
		}
		if args := strings.Fields(cmd); len(args) > 0 || s.ld.runsEmpty {
			s.ld.exec(s, args)
		}
	}
}

// key waits up to d for a typed byte.
func (s *shell) key(d time.Duration) (byte, bool, error) {
	return s.uart.key(s.ctx, d)
}

// countdown prints tick every step until a key that stops is typed or
// the time is up; it reports whether the key came.
func (s *shell) countdown(steps int, step time.Duration, stops func(byte) bool, tick func(left int)) (bool, error) {
	if s.cfg.BootDelay < 0 {
		return true, nil // a board set to wait at its prompt
	}
	for left := steps; left > 0; left-- {
		deadline := time.Now().Add(step)
		for {
			c, ok, err := s.key(time.Until(deadline))
			if err != nil {
				return false, err
			}
			if !ok {
				break
			}
			if stops(c) {
				return true, nil
			}
		}
		tick(left - 1)
	}
	return false, nil
}

// readLine echoes what is typed until CR. In the Winbond shell ESC starts
// an escape sequence: the key after it is swallowed.
func (s *shell) readLine() (string, error) {
	var buf []byte
	swallow := false
	for {
		c, ok, err := s.key(0)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		switch {
		case swallow:
			swallow = false
		case c == esc && s.ld.style.escSwallows:
			swallow = true
		case c == '\r' || c == '\n':
			if s.ld.enter != nil {
				s.ld.enter(s, buf)
			} else {
				s.out.puts("\n")
			}
			return string(buf), nil
		case c == '\b' || c == 0x7f:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				s.out.puts("\b \b")
			}
		case (c >= 0x20 && c < 0x7f || s.ld.style.keepsControls && c < 0x20) && len(buf) < 256:
			if s.ld.echo != nil {
				s.ld.echo(s, c, len(buf))
			} else {
				s.out.putc(c)
			}
			buf = append(buf, c)
		}
	}
}

// interrupted reports whether Ctrl-C was typed, discarding other input.
func (s *shell) interrupted() bool {
	if s.ctx.Err() != nil {
		return true
	}
	for {
		select {
		case c, ok := <-s.in:
			if !ok || c == ctrlC {
				return true
			}
		default:
			return false
		}
	}
}

func (s *shell) sleep(d time.Duration) {
	select {
	case <-s.ctx.Done():
	case <-time.After(d):
	}
}

// line prints one line of a long output, where faults may strike and
// Ctrl-C stops it.
func (s *shell) line(text []byte) bool {
	s.faults.beforeLine(s.out, s.sleep)
	s.out.write(text)
	return !s.interrupted()
}

// number parses a hex number with 0x, or decimal.
func number(arg string) (uint64, bool) {
	v, err := strconv.ParseUint(arg, 0, 64)
	return v, err == nil
}

// hexNumber parses hex with or without 0x, as CFE's xtoi does.
func hexNumber(arg string) (uint64, bool) {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(arg), "0x"), 16, 64)
	return v, err == nil
}

// unitValue reads one unit of memory as order says.
func unitValue(p []byte, order binary.ByteOrder) uint64 {
	switch len(p) {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(order.Uint16(p))
	case 4:
		return uint64(order.Uint32(p))
	default:
		return order.Uint64(p)
	}
}

// anyKey stops a countdown that any key stops.
func anyKey(byte) bool { return true }
