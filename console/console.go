package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/bootdump/bootdump/terminal"
)

// Ctrl-C: interrupts a command, clears the line; never repeats a command.
const CtrlC = 0x03

// Traits are what a console must know of the bootloader on it; the
// console knows no bootloader, so a dialect (or a profile) says all of
// this, once, and the console, the registry and detection read it.
type Traits struct {
	// Prompts are recognised at once; any other prompt is learned by
	// sending Ctrl-C until the same last line comes back twice.
	Prompts []string
	// Autoboot lists the texts a booting board prints while it can still
	// be stopped, each with the keys that stop it; they are sent each time
	// one is seen.
	Autoboot []Autoboot
	// Wake, when set, is sent instead of Ctrl-C when Ctrl-C brought no
	// answer: bootloaders that ignore Ctrl-C at their prompt print it
	// again for an empty line. Never for U-Boot, where an empty line
	// repeats the last command (U-Boot answers Ctrl-C).
	Wake []byte
	// Cancels, when more than the few CANs that end U-Boot's receive, is
	// how many it takes to get a board out of its upload receiver when
	// one CAN and the wake key were not enough: a receiver that reads a
	// block to its end before it looks for a CAN (the Winbond loader's
	// XMODEM, left waiting inside a block by a host that died).
	Cancels int
	// Resets, seen in a command's output, mean the board rebooted.
	Resets []string
}

// Options configure a Console.
type Options struct {
	Traits
	// StopKeys, when set, replace every autoboot marker's keys.
	StopKeys []byte
	// PowerCycle, when set, resets the board (a relay, a USB hub port):
	// Sync runs it when it finds the board running Linux.
	PowerCycle func(ctx context.Context) error
	// IdleTimeout is how long a command may go without sending a byte.
	IdleTimeout time.Duration
	// Transcript, if set, receives every byte the device sends.
	Transcript io.Writer
	Logger     *slog.Logger
}

// Autoboot is a countdown's or a boot menu's text and the keys that stop
// it.
type Autoboot struct {
	// Marker is the text (matched without regard to case). A countdown's
	// marker is on its last line; a menu's names the entry that leads to
	// the command line, on a line of its own above the countdown.
	Marker string
	// Keys stop the countdown; where the countdown's text names its key
	// ("Press 'x' to stop", "Press ESC", "Hit SPACE") that key is sent
	// instead. Others are tried in turn while the countdown goes on (the
	// secret strings vendors build in). A menu's key is the choice its
	// entry shows ("4: Entr boot command line interface."), sent once:
	// menus take the first key typed as the choice.
	Keys   []byte
	Others [][]byte
	Menu   bool
}

func (o Options) withDefaults() Options {
	if o.StopKeys != nil {
		var own []Autoboot
		for _, a := range o.Autoboot {
			own = append(own, Autoboot{Marker: a.Marker, Keys: o.StopKeys, Menu: a.Menu})
		}
		o.Autoboot = own
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Console runs commands on a bootloader, one at a time.
type Console struct {
	port   Port
	opt    Options
	chunks chan []byte
	rerr   error // why chunks closed
	buf    []byte
	off    int // buf[:off] is consumed
	prompt []byte
	// promptLine is the raw prompt line found last, the start of the
	// command's echo: a line editor places its echo relative to it
	// (SLOF restores the cursor saved after its prompt, the UEFI Shell
	// gives each key's column).
	promptLine []byte
	raw        []byte // the raw bytes of the line nextLine returned last
	// seen, seenTail: the start and the latest of what Sync received
	seen, seenTail []byte
	// received counts the bytes Sync received; menuKeyed is where in them
	// the menu line last answered starts, attempts the countdown keys sent
	// so far
	received, menuKeyed int64
	attempts            int
	// quietFor, when set, is how long the command now running may go
	// silent instead of IdleTimeout (a flash erase takes seconds).
	quietFor time.Duration
}

// New starts reading from port. The Console owns the port from now on.
func New(port Port, opt Options) *Console {
	c := &Console{port: port, opt: opt.withDefaults(), chunks: make(chan []byte, 64)}
	go c.readLoop()
	return c
}

func (c *Console) readLoop() {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.port.Read(buf)
		if n > 0 {
			// A copy the size of what came: some transports (QEMU's)
			// deliver a byte at a time.
			c.chunks <- bytes.Clone(buf[:n])
		}
		if err != nil {
			c.rerr = err
			close(c.chunks)
			return
		}
	}
}

// Close closes the port.
func (c *Console) Close() error { return c.port.Close() }

// Prompt is the prompt Sync found.
func (c *Console) Prompt() string { return string(c.prompt) }

// recv waits up to timeout for more bytes and appends them to buf.
func (c *Console) recv(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrTimeout
	case b, ok := <-c.chunks:
		if !ok {
			return fmt.Errorf("%w: %v", ErrClosed, c.rerr)
		}
		if c.opt.Transcript != nil {
			c.opt.Transcript.Write(b)
		}
		if c.off > 0 && c.off >= len(c.buf)/2 {
			c.buf = c.buf[:copy(c.buf, c.buf[c.off:])]
			c.off = 0
		}
		c.buf = append(c.buf, b...)
		c.received += int64(len(b))
		return nil
	}
}

// nextLine returns the next complete output line (without CR and LF), or
// isPrompt when the prompt has come back at the start of a line. The line
// is valid until the next call. While maybeData is set, the unfinished line
// may be the start of a data line, whose text says nothing: an autoboot
// text in it is not taken for a countdown.
func (c *Console) nextLine(ctx context.Context, maybeData bool) (line []byte, isPrompt bool, err error) {
	for {
		pending := c.buf[c.off:]
		if i := bytes.IndexByte(pending, '\n'); i >= 0 {
			c.off += i + 1
			c.raw = pending[:i]
			return c.shown(c.raw), false, nil
		}
		if c.atPrompt(pending) {
			c.buf, c.off = c.buf[:0], 0
			return nil, true, nil
		}
		if !maybeData && c.countdownShown() {
			// The board rebooted and counts down to autoboot on a line
			// that ends only when it is stopped: say so now, while it
			// still can be.
			return nil, false, fmt.Errorf("%w: autoboot is counting down", ErrReset)
		}
		idle := c.opt.IdleTimeout
		if c.quietFor > idle {
			idle = c.quietFor
		}
		if err := c.recv(ctx, idle); err != nil {
			return nil, false, err
		}
	}
}

// shown is what a terminal shows of a raw line. The line after the prompt
// (the command's echo) is shown as it appears after the prompt, which is
// then taken off.
func (c *Console) shown(raw []byte) []byte {
	if c.promptLine == nil {
		return terminal.Line(bytes.Trim(raw, "\r"))
	}
	line := terminal.Line(append(c.promptLine, raw...))
	c.promptLine = nil
	if rest, ok := bytes.CutPrefix(line, c.prompt); ok {
		return rest
	}
	return line
}

// atPrompt: pending, the unfinished line, shows the prompt; it is kept as
// the start of the next line.
func (c *Console) atPrompt(pending []byte) bool {
	if len(c.prompt) == 0 || len(pending) > maxPromptBytes {
		return false
	}
	if !bytes.Equal(terminal.Line(pending), c.prompt) {
		return false
	}
	c.promptLine = append(c.promptLine[:0], pending...)
	return true
}

// maxPromptBytes bounds the raw bytes a prompt line is looked for in:
// the UEFI Shell's 7-character prompt comes in 45 with its colours.
const maxPromptBytes = 512

func (c *Console) write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.port.Write(b); err != nil {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return nil
}

// A LineFunc takes one line of a command's output and says whether it is
// data the command was asked for (a dump line, well formed), and whether
// the command failed. A data line is never read as a console event: a
// flash that holds a bootloader holds its every string (its prompt, its
// countdown, "resetting ..."), and the data's ASCII column shows them.
type LineFunc func(line []byte) (data bool, err error)

// Text adapts a function that takes lines of text, none of them data.
func Text(f func(line []byte) error) LineFunc {
	return func(line []byte) (bool, error) { return false, f(line) }
}

// Exec runs one command and calls onLine for each line it prints, in order,
// as the lines arrive. It returns when the prompt is back. Every line is
// handed to onLine, even after it failed (it may still tell data from
// text); the first error is returned once the prompt is back, so the
// console stays in step.
func (c *Console) Exec(ctx context.Context, cmd string, onLine LineFunc) error {
	if err := c.send(ctx, cmd); err != nil {
		return err
	}
	return c.finish(ctx, cmd, false, onLine)
}

// send types a command.
func (c *Console) send(ctx context.Context, cmd string) error {
	if cmd == "" || strings.ContainsAny(cmd, "\r\n") {
		return fmt.Errorf("console: refusing to send %q: an empty line repeats the last command", cmd)
	}
	if len(c.prompt) == 0 {
		return fmt.Errorf("console: Exec before Sync")
	}
	if err := c.write(ctx, []byte(cmd+"\r")); err != nil {
		return &CommandError{cmd, err}
	}
	return nil
}

// Finish reads the output of a command begun with Start up to the prompt
// (after a transfer that Start's command took the line over for).
func (c *Console) Finish(ctx context.Context, cmd string, onLine LineFunc) error {
	return c.finish(ctx, cmd, true, onLine)
}

// Next is the next byte the device sends, for a transfer protocol; it
// waits up to timeout.
func (c *Console) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	for c.off >= len(c.buf) {
		if err := c.recv(ctx, timeout); err != nil {
			return 0, err
		}
	}
	b := c.buf[c.off]
	c.off++
	c.promptLine = nil // a transfer, not an echo, follows the prompt
	return b, nil
}

// finish reads a command's output lines up to the prompt.
//
// A reset is believed only when the console shows one: a countdown on a
// line that is not data, or a reset text on a line that is not data and
// then no prompt. A reset text alone in a line is only suspect: it may be
// a data line that noise garbled, and the command's own error (the bad
// line) stands.
func (c *Console) finish(ctx context.Context, cmd string, echoed bool, onLine LineFunc) error {
	if onLine == nil {
		onLine = Text(func([]byte) error { return nil })
	}
	var first error
	var suspect []byte // a line not data that holds a reset text
	// A data line may be under way from the echo on and after every data
	// line; after text (a banner, an error) a countdown is believed.
	maybeData := true
	for {
		line, isPrompt, err := c.nextLine(ctx, maybeData)
		if err != nil {
			if suspect != nil && errors.Is(err, ErrTimeout) {
				err = fmt.Errorf("%w: it printed %q and its prompt did not come back", ErrReset, suspect)
			}
			return &CommandError{cmd, err}
		}
		if isPrompt {
			if !echoed && first == nil {
				first = &CommandError{cmd, ErrEcho}
			}
			return first
		}
		if !echoed {
			echoed = true
			rest, ok := echoOf(line, cmd)
			if ok && terminal.HoldsKeys(c.raw) {
				// The line held a key bootdump did not type (a Ctrl-C
				// the line editor kept), and ran with it.
				ok, line = false, bytes.Trim(c.raw, "\r")
			}
			if !ok {
				if first == nil {
					first = &CommandError{cmd, fmt.Errorf("%w: got %q", ErrEcho, line)}
				}
				c.judgeText(line, &suspect)
				maybeData = false
			}
			if len(rest) == 0 {
				continue
			}
			// A Forth console answers on the line of its echo.
			line = rest
		}
		data, err := onLine(line)
		if first == nil {
			first = err
		}
		maybeData = data
		if !data {
			if c.menuEntry(line) {
				// A boot menu counts down to its default while we read:
				// say so now, while Sync can still choose.
				return &CommandError{cmd, fmt.Errorf("%w: it shows its boot menu (%q)", ErrReset, line)}
			}
			c.judgeText(line, &suspect)
		}
	}
}

// echoOf says whether line is the echo of cmd, and returns what follows
// it: a line editor may add a space (Open Firmware's, after the typed
// text) and the command's first output (Forth's "3  ok").
func echoOf(line []byte, cmd string) (rest []byte, ok bool) {
	after, ok := bytes.CutPrefix(line, []byte(cmd))
	if !ok || (len(after) > 0 && after[0] != ' ') {
		return nil, false
	}
	return bytes.TrimLeft(after, " "), true
}

// judgeText remembers a line that is not data and holds a reset text.
func (c *Console) judgeText(line []byte, suspect *[]byte) {
	if *suspect == nil && c.isReset(line) {
		*suspect = bytes.Clone(line)
	}
}

// OutputWithin is Output for a command that may work silently for up to
// limit (a flash erase or program), rather than the idle timeout.
func (c *Console) OutputWithin(ctx context.Context, cmd string, limit time.Duration) ([]string, error) {
	c.quietFor = limit
	defer func() { c.quietFor = 0 }()
	return c.Output(ctx, cmd)
}

// Output runs cmd and returns its output lines, all text. A command whose
// echo did not match is typed once more: what ran was the line's junk (a
// key a line editor kept) and the command, and the line is empty now.
func (c *Console) Output(ctx context.Context, cmd string) ([]string, error) {
	lines, err := c.output(ctx, cmd)
	if errors.Is(err, ErrEcho) && ctx.Err() == nil {
		c.opt.Logger.Debug("the echo did not match; typing the command again", "cmd", cmd, "err", err)
		lines, err = c.output(ctx, cmd)
	}
	return lines, err
}

func (c *Console) output(ctx context.Context, cmd string) ([]string, error) {
	var lines []string
	err := c.Exec(ctx, cmd, Text(func(l []byte) error {
		lines = append(lines, string(l))
		return nil
	}))
	return lines, err
}

func (c *Console) isReset(line []byte) bool {
	for _, m := range c.opt.Resets {
		if bytes.Contains(line, []byte(m)) {
			return true
		}
	}
	return false
}

// Interrupt sends Ctrl-C without waiting for an answer: it stops a command
// that is still printing. Call Sync before the next Exec.
func (c *Console) Interrupt() error {
	_, err := c.port.Write([]byte{CtrlC})
	return err
}

// TransferLine lets a transfer protocol (XMODEM, the binary reader's
// stream) use the console's line: Write sends raw bytes, Next takes the
// next one; a wait that ends with nothing returns Timeout, the
// protocol's own timeout error.
type TransferLine struct {
	Ctx     context.Context
	Con     *Console
	Timeout error
}

func (l *TransferLine) Write(b []byte) (int, error) {
	if err := l.Con.Write(l.Ctx, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (l *TransferLine) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	b, err := l.Con.Next(ctx, timeout)
	if errors.Is(err, ErrTimeout) && l.Timeout != nil {
		return 0, l.Timeout
	}
	return b, err
}
