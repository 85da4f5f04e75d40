package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/auto"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/dump"
)

// connection is how to reach the device: shared by every command that talks to one.
type connection struct {
	port        string
	baud        int
	flow        string
	dialect     string
	stopKeys    string
	syncTimeout time.Duration
	idleTimeout time.Duration
	transcript  string
	width       int
	fastBaud    int
	lineBaud    int // the rate the dump ran at, after --fast-baud
	reconnect   time.Duration
}

func (c *connection) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&c.port, "port", "p", "", "serial device (/dev/ttyUSB0), tcp://HOST:PORT, or sim:DIALECT?image=FILE")
	f.IntVarP(&c.baud, "baud", "b", 115200, "baud rate of the serial line")
	f.StringVar(&c.flow, "flow", "none", "flow control: none, rtscts or xonxoff")
	f.StringVar(&c.dialect, "dialect", "auto", "bootloader: auto, uboot, winbond, cfe, redboot, barebox, or a profile FILE.toml")
	f.StringVar(&c.stopKeys, "stop-keys", "", "keys that stop autoboot, with \\xNN escapes (e.g. 'tpl' or '\\x1b'); default: what the bootloader asks for (Ctrl-C, ESC for Winbond)")
	f.DurationVar(&c.syncTimeout, "sync-timeout", 30*time.Second, "how long to wait for the bootloader prompt (power-cycle the board meanwhile)")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 10*time.Second, "how long a command may go silent before it is retried")
	f.StringVar(&c.transcript, "transcript", "", "save everything the device sends to this file")
	f.IntVar(&c.width, "width", 0, "dump unit width in bytes: 1, 2, 4 or 8 (default: the widest the bootloader has)")
	f.DurationVar(&c.reconnect, "reconnect-timeout", 2*time.Minute, "how long to wait for a device whose line was lost (a pulled USB adapter)")
	f.IntVar(&c.fastBaud, "fast-baud", 0, "switch the line to this rate for the transfer (U-Boot's setenv baudrate), e.g. 921600")
}

func (c *connection) check() error {
	if c.port == "" {
		return usagef("no port: give -p /dev/ttyUSB0 (or tcp://HOST:PORT, or sim:uboot?image=FILE)")
	}
	if c.baud <= 0 {
		return usagef("baud rate %d: it must be positive, e.g. -b 115200", c.baud)
	}
	if c.fastBaud < 0 {
		return usagef("fast baud rate %d: it must be positive, e.g. --fast-baud 921600", c.fastBaud)
	}
	switch {
	case c.dialect == "auto" || c.dialect == "uboot" || auto.Builtin(c.dialect) != nil:
	case strings.HasSuffix(c.dialect, ".toml"):
		if _, err := profile.Load(c.dialect); err != nil {
			return usageError{err}
		}
	default:
		return usagef("dialect %q: auto, uboot, %s, or a profile FILE.toml", c.dialect, strings.Join(auto.Names, ", "))
	}
	switch c.flow {
	case console.FlowNone, console.FlowRTSCTS, console.FlowXONXOFF:
	default:
		return usagef("flow control %q: none, rtscts or xonxoff", c.flow)
	}
	switch c.width {
	case 0, 1, 2, 4, 8:
	default:
		return usagef("width %d: 1, 2, 4 or 8 bytes", c.width)
	}
	if c.stopKeys != "" {
		if _, err := unescape(c.stopKeys); err != nil {
			return usagef("--stop-keys: %v", err)
		}
	}
	return nil
}

// linked is a console synced with the bootloader, and which one it is.
type linked struct {
	con        *console.Console
	link       dialect.Link
	found      auto.Found
	transcript *os.File
}

func (l *linked) close() {
	l.con.Close()
	if l.transcript != nil {
		l.transcript.Close()
	}
}

// connect opens the port, finds the prompt and tells which bootloader
// answers: the one --dialect names, or the one auto-detection finds.
func (c *connection) connect(ctx context.Context, a *app) (*linked, error) {
	conOpt := console.Options{IdleTimeout: c.idleTimeout, Logger: a.log}
	found := auto.Found{Dialect: "uboot", Reason: "--dialect uboot"}
	switch {
	case c.dialect == "auto":
		conOpt = auto.ConsoleOptions(conOpt, auto.Candidates())
	case c.dialect == "uboot":
	default:
		p := auto.Builtin(c.dialect)
		if p == nil {
			var err error
			if p, err = profile.Load(c.dialect); err != nil {
				return nil, usageError{err}
			}
		}
		conOpt.Prompts, conOpt.Autoboot, conOpt.Wake = p.Prompts, p.Autoboot, p.Wake
		if conOpt.Prompts == nil {
			conOpt.Prompts = []string{} // learned, not U-Boot's
		}
		found = auto.Found{Dialect: p.Name, Profile: p, Reason: "--dialect " + c.dialect}
	}
	if c.stopKeys != "" {
		conOpt.StopKeys, _ = unescape(c.stopKeys)
	}
	l := &linked{found: found}
	if c.transcript != "" {
		var err error
		if l.transcript, err = os.Create(c.transcript); err != nil {
			return nil, err
		}
		conOpt.Transcript = l.transcript
	}
	l.link = dialect.Link{
		Dial: func(ctx context.Context) (console.Port, error) {
			return console.Open(ctx, c.port, console.PortOptions{Baud: c.baud, Flow: c.flow})
		},
		Console:     conOpt,
		SyncTimeout: c.syncTimeout,
	}
	a.log.Info("waiting for the bootloader prompt", "port", c.port, "baud", c.baud)
	fail := func(err error) (*linked, error) {
		if l.con != nil {
			l.con.Close()
		}
		if l.transcript != nil {
			l.transcript.Close()
		}
		var se *console.SyncError
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s at %d baud: %w", c.port, c.baud, err)
		}
		return nil, err
	}
	con, err := l.link.Redial(ctx)
	if err != nil {
		return fail(err)
	}
	l.con = con
	sctx, cancel := context.WithTimeout(ctx, c.syncTimeout)
	err = l.con.Sync(sctx)
	cancel()
	if err != nil {
		return fail(err)
	}
	if c.dialect == "auto" {
		if l.found, err = auto.Detect(ctx, l.con, auto.Candidates()); err != nil {
			return fail(err)
		}
		a.log.Info("recognised the bootloader", "dialect", l.found.Dialect, "because", l.found.Reason)
	}
	return l, nil
}

// device is a session on whichever bootloader the device runs.
type device interface {
	dump.Reader
	LineChars(addr uint64) int
	AddrBits() int
}

// open connects and starts a session: U-Boot's (with --fast-baud), or a
// profile's. Exactly one of the two sessions is set.
func (c *connection) open(ctx context.Context, a *app, opt uboot.Options) (*uboot.Session, *profile.Session, func(), error) {
	l, err := c.connect(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	if l.found.Profile == nil {
		sess, closeSession, err := c.ubootSession(ctx, a, l, opt)
		return sess, nil, closeSession, err
	}
	if c.fastBaud != 0 {
		a.log.Warn(fmt.Sprintf("--fast-baud is for U-Boot; staying at %d baud on %s", c.baud, l.found.Dialect))
	}
	c.lineBaud = c.baud
	ps, err := profile.Open(ctx, l.con, &l.link, l.found.Profile, profile.Options{MaxWidth: c.width, Logger: a.log, Detected: l.found.Reason})
	if err != nil {
		l.close()
		return nil, nil, nil, err
	}
	id := ps.Identity()
	a.log.Info("found the bootloader", "dialect", id.Dialect, "version", id.Version, "prompt", id.Prompt, "read_with", id.Command)
	return nil, ps, func() {
		if ctx.Err() != nil {
			ps.Console().Interrupt()
		}
		ps.Close()
		if l.transcript != nil {
			l.transcript.Close()
		}
	}, nil
}

// session connects to a device that must run U-Boot (flash windows,
// verify, restore).
func (c *connection) session(ctx context.Context, a *app, opt uboot.Options) (*uboot.Session, func(), error) {
	sess, ps, closeSession, err := c.open(ctx, a, opt)
	if err != nil {
		return nil, nil, err
	}
	if ps != nil {
		closeSession()
		return nil, nil, fmt.Errorf("the device runs %s (%s), and this needs U-Boot's commands", ps.Identity().Dialect, ps.Identity().Detected)
	}
	return sess, closeSession, nil
}

// ubootSession learns the U-Boot board and, with --fast-baud, moves the
// line to the faster rate. close ends it all, going back to the original
// rate first.
func (c *connection) ubootSession(ctx context.Context, a *app, l *linked, opt uboot.Options) (sess *uboot.Session, close func(), err error) {
	opt.MaxWidth, opt.Logger = c.width, a.log
	sess, err = uboot.OpenLinked(ctx, l.con, l.link, opt)
	if err != nil {
		l.close()
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case errors.Is(err, console.ErrReset):
			return nil, nil, fmt.Errorf("reading %#x made the device reset: the address is probably outside its memory map (see bdinfo): %w", opt.Addr+opt.RAM, err)
		}
		return nil, nil, err
	}
	sess.Detected = l.found.Reason
	id := sess.Identity()
	a.log.Info("found the bootloader", "version", id.Version, "prompt", id.Prompt, "read_with", id.Command)
	c.lineBaud = c.baud
	end := func() {
		sess.Close()
		if l.transcript != nil {
			l.transcript.Close()
		}
	}
	close = func() {
		if ctx.Err() != nil {
			sess.Console().Interrupt() // stop md's output so the next run finds a quiet prompt
		}
		end()
	}
	if c.fastBaud == 0 || c.fastBaud == c.baud {
		return sess, close, nil
	}
	if err := sess.SwitchBaud(ctx, c.baud, c.fastBaud); err != nil {
		if ctx.Err() != nil {
			end()
			return nil, nil, ctx.Err()
		}
		a.log.Warn(fmt.Sprintf("staying at %d baud: %v", c.baud, err))
		return sess, close, nil
	}
	a.log.Info("switched the line", "baud", c.fastBaud)
	c.lineBaud = c.fastBaud
	return sess, func() {
		// Even after Ctrl-C: leave the board at the rate it had.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var err error
		if ctx.Err() != nil {
			sess.Console().Interrupt() // md may still be printing
			err = sess.Resync(rctx)
		}
		if err == nil {
			err = sess.SwitchBaud(rctx, c.fastBaud, c.baud)
		}
		if err != nil {
			a.log.Warn(fmt.Sprintf("could not switch the board back to %d baud (a reset will): %v", c.baud, err))
		}
		end()
	}, nil
}

// flashWindow connects with a RAM window of the given size at ram (0: the
// board's load address) and opens src through it.
func (c *connection) flashWindow(ctx context.Context, a *app, src uboot.Source, window, ram uint64) (*uboot.Session, *uboot.Window, func(), error) {
	sess, closeSession, err := c.session(ctx, a, uboot.Options{Window: window, RAM: ram})
	if err != nil {
		return nil, nil, nil, err
	}
	win, err := sess.OpenWindow(ctx, src)
	if err != nil {
		closeSession()
		return nil, nil, nil, err
	}
	return sess, win, closeSession, nil
}

// unescape turns "\x03" style escapes into bytes.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+3 >= len(s) || s[i+1] != 'x' {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN", s)
		}
		v, err := parseNumber("0x" + s[i+2:i+4])
		if err != nil {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN", s)
		}
		out = append(out, byte(v))
		i += 3
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no keys")
	}
	return out, nil
}
