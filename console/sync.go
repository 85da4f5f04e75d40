package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/terminal"
)

// quiet is how long the line must stay silent before Sync reads the last
// line as a prompt. Sync is the one place that waits for a pause: until the
// prompt is known, nothing else can say that the device has finished.
const quiet = 300 * time.Millisecond

// keyInterval spaces the stop keys: often enough for every tick of a
// countdown, rarely enough that their echo cannot start a storm.
const keyInterval = 250 * time.Millisecond

// bootQuiet is how long a line printing a boot log must stay silent
// before Sync pokes it: a key typed while a board boots waits in its UART
// and may be taken as a boot menu's choice.
const bootQuiet = 1500 * time.Millisecond

// maxPowerCycles bounds how often one Sync power-cycles a board that
// keeps booting Linux.
const maxPowerCycles = 3

// SyncError explains why no prompt was found.
type SyncError struct {
	Received   int    // bytes received
	Unreadable int    // of them, not printable text
	LastLine   string // the last thing the device printed
	Linux      string // what showed the board running Linux, if it did
	Cycles     int    // power cycles run
}

func (e *SyncError) Error() string {
	switch {
	case e.Linux != "" && e.Cycles > 0:
		return fmt.Sprintf("the board still runs Linux after %d power cycles (it printed %q): its autoboot was not stopped", e.Cycles, e.Linux)
	case e.Linux != "":
		return fmt.Sprintf("the board is running Linux (it printed %q): reset or power-cycle it while bootdump waits for the bootloader", e.Linux)
	case e.Received == 0:
		return "no answer from the device: check the wiring (TX to RX, RX to TX, GND), that the board is powered, and the port"
	case e.Unreadable*5 > e.Received:
		return fmt.Sprintf("the device sends unreadable data (%d of %d bytes are not text): the baud rate is probably wrong", e.Unreadable, e.Received)
	default:
		return fmt.Sprintf("the device prints text but no bootloader prompt (last line %q): it may have booted past its bootloader; power-cycle it while bootdump waits", e.LastLine)
	}
}

// WrongRate: what came was mostly not text (a wrong baud rate).
func (e *SyncError) WrongRate() bool {
	return e.Linux == "" && e.Received > 0 && e.Unreadable*5 > e.Received
}

func (e *SyncError) Unwrap() error { return ErrNoPrompt }

// Sync brings the console to a fresh prompt: it stops autoboot if the board
// is counting down or shows a boot menu, and finds the prompt, known or
// learned. It pokes the line (Ctrl-C, then the wake key where Ctrl-C gets
// no answer) only when it is quiet, and sends stop keys only while a
// countdown or menu shows. A board found running Linux is reported, and
// power-cycled where Options.PowerCycle can. ctx bounds how long it tries.
func (c *Console) Sync(ctx context.Context) error {
	st := &SyncError{}
	drained, warned := false, false
	var keysSent time.Time
	lastTail := ""
	pokes := 0
	unanswered := 0  // pokes in a row that got no answer
	answeredAt := -1 // len(c.buf) when the last poke went out
	// The last lines already read stay: a command that saw the board
	// reset may have read the start of its boot menu.
	c.buf, c.off = c.buf[linesBack(c.buf[:c.off], recentLines):], 0
	c.received, c.menuKeyed, c.attempts = int64(len(c.buf)), -1, 0
	for {
		before := len(c.buf)
		wait := quiet
		if pokes == 0 && c.received > 0 && !plausiblePrompt(lastLine(c.buf)) {
			wait = bootQuiet
		}
		err := c.recv(ctx, wait)
		switch {
		case errors.Is(err, ErrTimeout):
			if !drained {
				// What was queued before we asked is history; judge the
				// line by how it answers.
				*st, drained = SyncError{}, true
			}
			// A menu or countdown still on screen gets its keys, not a
			// poke: a menu takes any key as its choice.
			if sent, err := c.sendStopKeys(ctx, &keysSent); err != nil || sent {
				if err != nil {
					return err
				}
				continue
			}
			tail := lastLine(c.buf)
			linux := c.runningLinux(tail)
			if linux != "" {
				st.Linux = linux
				if !warned {
					c.opt.Logger.Warn("the board is running Linux: reset or power-cycle it; bootdump waits for the bootloader", "it printed", linux)
					warned = true
				}
				if c.opt.PowerCycle != nil && st.Cycles < maxPowerCycles {
					st.Cycles++
					c.opt.Logger.Info(fmt.Sprintf("power-cycling the board (%d of %d)", st.Cycles, maxPowerCycles))
					if err := c.opt.PowerCycle(ctx); err != nil {
						return fmt.Errorf("power-cycling the board: %w", err)
					}
					c.buf, lastTail, pokes, answeredAt = c.buf[:0], "", 0, -1
					continue
				}
			}
			// A prompt is learned when the same line answers twice. Where
			// Ctrl-C may go unanswered (Wake is set), only a fresh answer
			// counts: a prompt garbled by the line noise stays garbled on
			// a silent console, and must not be learned.
			answered := pokes == 0 || c.answeredSince(answeredAt) || c.opt.Wake == nil
			if c.knownPrompt(tail) || (linux == "" && answered && pokes > 0 && tail == lastTail && plausiblePrompt(tail)) {
				c.prompt = []byte(tail)
				c.promptLine = bytes.Clone(c.buf[bytes.LastIndexByte(c.buf, '\n')+1:])
				c.buf, c.off = c.buf[:0], 0
				c.opt.Logger.Debug("found prompt", "prompt", tail)
				return nil
			}
			key := []byte{CtrlC}
			if answered {
				lastTail = tail
				unanswered = 0
			} else {
				// Ctrl-C was not answered: the board may be inside a
				// YMODEM receive (a host that died while uploading), which
				// only CANs end, or at an editor that wants its wake key;
				// a second time, inside a receiver that wants more.
				cans := cancelCount
				if unanswered++; unanswered > 1 {
					cans = max(cans, c.opt.Cancels)
				}
				key = append(bytes.Repeat([]byte{can}, cans), c.opt.Wake...)
			}
			if err := c.write(ctx, key); err != nil {
				return err
			}
			pokes++
			answeredAt = len(c.buf)
			continue
		case errors.Is(err, context.DeadlineExceeded):
			st.LastLine = lastLine(c.buf)
			return st
		case err != nil:
			return err
		}
		c.keepSeen(c.buf[before:])
		for _, b := range c.buf[before:] {
			st.Received++
			// What a terminal takes as control (escape sequences, a bell)
			// is not noise.
			if (b < 0x20 || b > 0x7e) && b != '\r' && b != '\n' && b != '\b' && b != '\t' && b != CtrlC && b != esc && b != bel {
				st.Unreadable++
			}
		}
		if time.Since(keysSent) > keyInterval {
			// Each tick of a countdown gets keys again: a board that
			// wants other keys keeps counting.
			if _, err := c.sendStopKeys(ctx, &keysSent); err != nil {
				return err
			}
		}
		c.trim()
	}
}

// sendStopKeys types the keys a menu or countdown on screen asks for, if
// any, and notes when (the first time, that it is stopping the autoboot).
func (c *Console) sendStopKeys(ctx context.Context, sent *time.Time) (bool, error) {
	keys := c.stopKeys()
	if keys == nil {
		return false, nil
	}
	if err := c.write(ctx, keys); err != nil {
		return false, err
	}
	if sent.IsZero() {
		c.opt.Logger.Info("stopping autoboot")
	}
	c.opt.Logger.Debug("sent stop keys", "keys", fmt.Sprintf("%q", keys))
	*sent = time.Now()
	return true, nil
}

// can ends a YMODEM receive when it comes cancelCount times in a row
// (xyzModem.c wants 3): a line editor ignores it, or drops it with the
// line when Ctrl-C or the wake key follows.
const (
	can         = 0x18
	cancelCount = 5
)

// esc may come back as the echo of a stop key; bel is a line editor's
// complaint (and ends a terminal's title string).
const (
	esc = 0x1b
	bel = 0x07
)

// answeredSince says whether the device answered the key sent when the
// buffer held mark bytes: with text, not just the echo of the key itself
// (a line editor that keeps Ctrl-C echoes it and prints nothing else).
func (c *Console) answeredSince(mark int) bool {
	if mark < 0 || mark > len(c.buf) {
		return len(c.buf) > 0
	}
	// What shows counts: the UEFI Shell answers a key it ignores with a
	// cursor move, which shows nothing.
	answer := c.buf[mark:]
	return bytes.IndexByte(answer, '\n') >= 0 || len(terminal.Line(answer)) > 0
}

// trim keeps Sync's buffer small while a board prints its boot log.
func (c *Console) trim() {
	if len(c.buf) > 8192 {
		if i := bytes.LastIndexByte(c.buf, '\n'); i > 0 {
			c.buf = c.buf[:copy(c.buf, c.buf[i+1:])]
		}
	}
}

func (c *Console) knownPrompt(tail string) bool {
	for _, p := range c.opt.Prompts {
		if tail == p {
			return true
		}
	}
	return false
}

// lastLine is what a terminal shows after the last line feed: a line
// editor that echoes a typed Ctrl-C shows nothing for it after its prompt,
// and a firmware's colours and cursor moves show nothing either.
func lastLine(b []byte) string {
	return string(terminal.Line(b[bytes.LastIndexByte(b, '\n')+1:]))
}

// ClearLine empties the bootloader's line before the first command, for
// line editors that keep every key, control characters included: a key
// sent while syncing (Ctrl-C, a stop key) may sit in the line and spoil
// the next command. It sends key (a CR: the line runs, whatever it holds,
// and the prompt comes back) and reads up to the prompt. A key swallowed
// by an escape sequence gets no answer; it is sent once more.
func (c *Console) ClearLine(ctx context.Context, key []byte) error {
	wait := clearWait
	for range 2 {
		if err := c.write(ctx, key); err != nil {
			return err
		}
		err := c.toPrompt(ctx, wait)
		if !errors.Is(err, ErrTimeout) {
			return err
		}
		wait = c.opt.IdleTimeout
	}
	return fmt.Errorf("%w: it did not come back after the line was cleared", ErrNoPrompt)
}

// clearWait is how long a line editor may take to answer an empty or
// junk line before the key is taken for swallowed.
const clearWait = time.Second

// toPrompt reads whatever comes up to the prompt.
func (c *Console) toPrompt(ctx context.Context, timeout time.Duration) error {
	for {
		pending := c.buf[c.off:]
		if i := bytes.IndexByte(pending, '\n'); i >= 0 {
			c.off += i + 1
			continue
		}
		if c.atPrompt(pending) {
			c.buf, c.off = c.buf[:0], 0
			return nil
		}
		if err := c.recv(ctx, timeout); err != nil {
			return err
		}
	}
}

// plausiblePrompt rejects what cannot be a prompt, such as the same noise
// twice on a line at the wrong baud rate.
func plausiblePrompt(s string) bool {
	t := bytes.TrimRight([]byte(s), " ")
	if len(t) == 0 || len(s) > 80 { // barebox@BOARD NAME:/ can be long
		return false
	}
	for _, b := range []byte(s) {
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	return bytes.IndexByte([]byte(">#$%:]/"), t[len(t)-1]) >= 0
}

// seenMax bounds what Seen keeps of a boot log.
const seenMax = 16 << 10

// keepSeen keeps the start of what the device printed while Sync waited
// (its banner), and the latest of it.
func (c *Console) keepSeen(b []byte) {
	if room := seenMax/2 - len(c.seen); room > 0 {
		n := min(len(b), room)
		c.seen = append(c.seen, b[:n]...)
		b = b[n:]
	}
	c.seenTail = append(c.seenTail, b...)
	if len(c.seenTail) > seenMax/2 {
		c.seenTail = c.seenTail[len(c.seenTail)-seenMax/2:]
	}
}

// Seen is what the device printed while Sync waited for the prompt: the
// banner, when the board was booting (at most 16 KiB of it).
func (c *Console) Seen() string { return string(c.seen) + string(c.seenTail) }
