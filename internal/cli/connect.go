package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/sim"
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
	reconnect   time.Duration
}

func (c *connection) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&c.port, "port", "p", "", "serial device (/dev/ttyUSB0), tcp://HOST:PORT, or sim:DIALECT?image=FILE")
	f.IntVarP(&c.baud, "baud", "b", 115200, "baud rate of the serial line")
	f.StringVar(&c.flow, "flow", "none", "flow control: none, rtscts or xonxoff")
	f.StringVar(&c.dialect, "dialect", "auto", "bootloader: auto, "+strings.Join(registry.Names(), ", ")+", or a profile FILE.toml")
	f.StringVar(&c.stopKeys, "stop-keys", "", "keys that stop autoboot, with \\xNN escapes (e.g. 'tpl' or '\\x1b'); default: what the bootloader asks for (Ctrl-C, ESC for Winbond)")
	f.DurationVar(&c.syncTimeout, "sync-timeout", 30*time.Second, "how long to wait for the bootloader prompt (power-cycle the board meanwhile)")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 10*time.Second, "how long a command may go silent before it is retried")
	f.StringVar(&c.transcript, "transcript", "", "save everything the device sends to this file")
	f.IntVar(&c.width, "width", 0, "dump unit width in bytes: 1, 2, 4 or 8 (default: the widest the bootloader has)")
	f.DurationVar(&c.reconnect, "reconnect-timeout", 2*time.Minute, "how long to wait for a device whose line was lost (a pulled USB adapter)")
	f.IntVar(&c.fastBaud, "fast-baud", 0, "switch the line to this rate for the transfer (U-Boot's setenv baudrate), e.g. 921600")
	completeDialects(cmd, "dialect")
}

// completeDialects completes a --dialect flag from the registry (and
// profile files).
func completeDialects(cmd *cobra.Command, flag string) {
	cmd.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, b := range registry.All() {
			out = append(out, b.Name+"\t"+b.Summary)
		}
		return append(out, "auto\ttell it by its prompt, banner or answer to version"), cobra.ShellCompDirectiveDefault
	})
}

func (c *connection) check() error {
	if c.port == "" {
		return usagef("no port: give -p /dev/ttyUSB0 (or tcp://HOST:PORT, or sim:uboot?image=FILE)")
	}
	if strings.HasPrefix(c.port, sim.URLScheme) {
		if _, err := sim.ParseURL(c.port); err != nil {
			return usageError{err}
		}
	}
	if c.baud <= 0 {
		return usagef("baud rate %d: it must be positive, e.g. -b 115200", c.baud)
	}
	if c.fastBaud < 0 {
		return usagef("fast baud rate %d: it must be positive, e.g. --fast-baud 921600", c.fastBaud)
	}
	if _, _, err := backup.Bootloader(c.dialect); err != nil {
		return usageError{err}
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

// open connects to the device and opens a session on its bootloader; done
// ends it (and the transcript).
func (c *connection) open(ctx context.Context, a *app, opt dialect.Options) (dev *backup.Device, done func(), err error) {
	bc := backup.Connection{
		Port: c.port, Baud: c.baud, Flow: c.flow, Dialect: c.dialect, FastBaud: c.fastBaud,
		SyncTimeout: c.syncTimeout, IdleTimeout: c.idleTimeout, Logger: a.log,
	}
	if strings.HasPrefix(c.port, sim.URLScheme) {
		bc.Dial = func(ctx context.Context) (console.Port, error) { return sim.OpenURL(c.port, c.baud) }
	}
	if c.stopKeys != "" {
		bc.StopKeys, _ = unescape(c.stopKeys)
	}
	var transcript *os.File
	if c.transcript != "" {
		if transcript, err = os.Create(c.transcript); err != nil {
			return nil, nil, err
		}
		bc.Transcript = transcript
	}
	closeTranscript := func() {
		if transcript != nil {
			transcript.Close()
		}
	}
	opt.MaxWidth = c.width
	dev, err = backup.Connect(ctx, bc, opt)
	if err != nil {
		closeTranscript()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, err
	}
	return dev, func() {
		dev.Close(ctx)
		closeTranscript()
	}, nil
}

// needs is the sentence that refuses what a bootloader cannot do.
func needs(dev *backup.Device, what string) error {
	id := dev.Session.Identity()
	return fmt.Errorf("the device runs %s (%s), which cannot %s", registry.Human(id.Dialect), id.Detected, what)
}

// flashWindow connects with a RAM window of the given size at ram (0: the
// board's load address) and opens src through it.
func (c *connection) flashWindow(ctx context.Context, a *app, src dialect.Source, window, ram uint64) (*backup.Device, dialect.FlashWindow, func(), error) {
	dev, done, err := c.open(ctx, a, dialect.Options{Window: window, RAM: ram})
	if err != nil {
		return nil, nil, nil, err
	}
	fw, ok := dev.Session.(dialect.FlashWindower)
	if !ok {
		done()
		return nil, nil, nil, needs(dev, "read flash through RAM (--source "+src.String()+"): read its memory-mapped flash with --addr and --size")
	}
	win, err := fw.OpenWindow(ctx, src)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return dev, win, done, nil
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
