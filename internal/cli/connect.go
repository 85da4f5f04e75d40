package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
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
	wake        string
	powerCycle  string
}

func (c *connection) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&c.port, "port", "p", "", "serial device (/dev/ttyUSB0), rfc2217://HOST:PORT, tcp://HOST:PORT, telnet://HOST:PORT, or sim:DIALECT?image=FILE")
	c.baud = 115200
	f.VarP(&baudFlag{&c.baud}, "baud", "b", "baud rate of the serial line, or auto: listen at "+rateList()+" and keep the one that gives text")
	f.StringVar(&c.flow, "flow", "none", "flow control: none, rtscts or xonxoff")
	f.StringVar(&c.dialect, "dialect", "auto", "bootloader: auto, "+strings.Join(registry.Names(), ", ")+", or a profile FILE.toml")
	f.StringVar(&c.stopKeys, "stop-keys", "", "keys that stop autoboot or choose the boot menu's entry, with \\xNN escapes (e.g. 'tpl', '4' or '\\x1b'); default: what the console asks for (Ctrl-C, ESC for Winbond, the menu's command-line entry, known secret strings)")
	f.StringVar(&c.wake, "wake", "", "what to send to a silent console that ignores Ctrl-C, with \\r \\n \\xNN escapes (default: a CR, never to U-Boot)")
	f.StringVar(&c.powerCycle, "power-cycle", "", "a command that power-cycles the board (a relay, uhubctl, a smart plug), run by the shell at the start and whenever the board must be caught again")
	f.DurationVar(&c.syncTimeout, "sync-timeout", 30*time.Second, "how long to wait for the bootloader prompt (power-cycle the board meanwhile)")
	f.DurationVar(&c.idleTimeout, "idle-timeout", 10*time.Second, "how long a command may go silent before it is retried")
	f.StringVar(&c.transcript, "transcript", "", "save everything the device sends to this file")
	f.IntVar(&c.width, "width", 0, "dump unit width in bytes: 1, 2, 4 or 8 (default: the widest the bootloader has)")
	f.DurationVar(&c.reconnect, "reconnect-timeout", 2*time.Minute, "how long to wait for a device whose line was lost (a pulled USB adapter)")
	f.IntVar(&c.fastBaud, "fast-baud", 0, "switch the line to this rate for the transfer and back at the end (U-Boot's setenv baudrate, the Winbond loader's B), e.g. 921600")
	completeDialects(cmd, "dialect")
	completePorts(cmd)
}

// completePorts completes -p with the serial ports the system has, each
// described by its USB adapter and who holds it.
func completePorts(cmd *cobra.Command) {
	cmd.RegisterFlagCompletionFunc("port", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		ports, _ := console.ListPorts()
		var out []string
		for _, p := range ports {
			about := strings.TrimSpace(strings.Join([]string{p.USB, p.Product}, " "))
			if p.InUse != "" {
				about += " (in use by " + p.InUse + ")"
			}
			out = append(out, p.Name+"\t"+strings.TrimSpace(about))
		}
		return append(out, "sim:uboot\tthe built-in simulated board", "tcp://\ta raw TCP serial server (ser2net's tcp accepter, QEMU) or bootdump sim --listen",
			"rfc2217://\ta serial server that takes RFC 2217 (ser2net's telnet(rfc2217)): bootdump sets its rate",
			"telnet://\ta serial server in telnet mode, at the rate it is set to"), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
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
	if c.baud < 0 {
		return usagef("baud rate %d: it must be positive, e.g. -b 115200, or auto", c.baud)
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
	for flag, keys := range map[string]string{"--stop-keys": c.stopKeys, "--wake": c.wake} {
		if keys == "" {
			continue
		}
		if _, err := unescape(keys); err != nil {
			return usagef("%s: %v", flag, err)
		}
	}
	return nil
}

// open connects to the device and opens a session on its bootloader; done
// ends it (and the transcript).
func (c *connection) open(ctx context.Context, a *app, opt dialect.Options) (dev *backup.Device, done func(), err error) {
	bc := backup.Connection{
		Port: c.port, Baud: c.baud, FindBaud: c.baud == 0, Flow: c.flow, Dialect: c.dialect, FastBaud: c.fastBaud,
		SyncTimeout: c.syncTimeout, IdleTimeout: c.idleTimeout, Logger: a.log,
	}
	if strings.HasPrefix(c.port, sim.URLScheme) {
		bc.Dial = func(ctx context.Context) (console.Port, error) { return sim.OpenURL(c.port, c.baud) }
	}
	if c.stopKeys != "" {
		bc.StopKeys, _ = unescape(c.stopKeys)
	}
	if c.wake != "" {
		bc.Wake, _ = unescape(c.wake)
	}
	if c.powerCycle != "" {
		bc.PowerCycle = func(ctx context.Context) error { return runPowerCycle(ctx, c.powerCycle) }
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
			return nil, nil, fmt.Errorf("interrupted while waiting for the bootloader on %s: nothing was read or written", c.port)
		}
		return nil, nil, withAdvice("connect", err) // a wrong rate, Linux running, no prompt: what to give
	}
	return dev, func() {
		dev.Close(ctx)
		closeTranscript()
	}, nil
}

// unescape turns "\x03", "\r", "\n", "\t" and "\\" escapes into bytes.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 < len(s) {
			if c, ok := map[byte]byte{'r': '\r', 'n': '\n', 't': '\t', '\\': '\\'}[s[i+1]]; ok {
				out = append(out, c)
				i++
				continue
			}
		}
		if i+3 >= len(s) || s[i+1] != 'x' {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN, \\r, \\n or \\t", s)
		}
		v, err := parseNumber("0x" + s[i+2:i+4])
		if err != nil {
			return nil, fmt.Errorf("bad escape in %q: use \\xNN, \\r, \\n or \\t", s)
		}
		out = append(out, byte(v))
		i += 3
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no keys")
	}
	return out, nil
}

// runPowerCycle runs the user's power-cycle command; its output goes to
// the log's stream.
func runPowerCycle(ctx context.Context, command string) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/c", command)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%q failed: %v %s", command, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// baudFlag is -b: a rate, or auto (0).
type baudFlag struct{ v *int }

func (f *baudFlag) String() string {
	if f.v == nil || *f.v == 0 {
		return "auto"
	}
	return strconv.Itoa(*f.v)
}

func (f *baudFlag) Set(s string) error {
	if s == "auto" {
		*f.v = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a baud rate: give a number such as 115200, or auto", s)
	}
	*f.v = n
	return nil
}

func (f *baudFlag) Type() string { return "rate" }

func rateList() string {
	var s []string
	for _, r := range backup.Rates {
		s = append(s, strconv.Itoa(r))
	}
	return strings.Join(s, ", ")
}
