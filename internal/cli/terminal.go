package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/sim"
)

// leaveKey ends bootdump console: Ctrl-], as telnet and minicom users know it.
const leaveKey = 0x1d

type terminalFlags struct {
	port, flow, log string
	baud            int
}

func (a *app) consoleCommand() *cobra.Command {
	f := terminalFlags{baud: 115200}
	cmd := &cobra.Command{
		Use:   "console -p PORT",
		Short: "Talk to the bootloader yourself, to look around before a dump",
		Long: `console connects your terminal to the board's serial console, as picocom
does: what you type goes to the board, what it prints comes back, raw (Ctrl-C
reaches the board). Ctrl-] leaves. The port is locked and opened as every
other command opens it; --log keeps what the board printed.`,
		Example: `  bootdump console -p /dev/ttyUSB0
  bootdump console -p /dev/ttyUSB0 -b auto --log session.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.terminal(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.port, "port", "p", "", "serial device (/dev/ttyUSB0), rfc2217://HOST:PORT, tcp://HOST:PORT, telnet://HOST:PORT, or sim:DIALECT?image=FILE")
	fl.VarP(&baudFlag{&f.baud}, "baud", "b", "baud rate of the serial line, or auto")
	fl.StringVar(&f.flow, "flow", "none", "flow control: none, rtscts or xonxoff")
	fl.StringVar(&f.log, "log", "", "save what the board prints to this file")
	completePorts(cmd)
	return cmd
}

func (a *app) terminal(ctx context.Context, f *terminalFlags) error {
	c := connection{port: f.port, baud: f.baud, flow: f.flow, dialect: "auto"}
	if err := c.check(); err != nil {
		return err
	}
	dial := func(ctx context.Context) (console.Port, error) {
		if strings.HasPrefix(f.port, sim.URLScheme) {
			return sim.OpenURL(f.port, f.baud)
		}
		return console.Open(ctx, f.port, console.PortOptions{Baud: f.baud, Flow: f.flow})
	}
	if f.baud == 0 {
		rate, err := backup.FindBaud(ctx, dial, a.log)
		if err != nil {
			return fmt.Errorf("%s: %w", f.port, err)
		}
		f.baud = rate
	}
	port, err := dial(ctx)
	if err != nil {
		return err
	}
	defer port.Close()
	out := a.stdout
	if f.log != "" {
		logFile, err := os.Create(f.log)
		if err != nil {
			return err
		}
		defer logFile.Close()
		out = io.MultiWriter(a.stdout, logFile)
	}
	if fd := int(a.stdin.Fd()); term.IsTerminal(fd) {
		old, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		defer term.Restore(fd, old)
	}
	fmt.Fprintf(a.stderr, "connected to %s at %d baud; Ctrl-] leaves\r\n", f.port, f.baud)
	shown, typed := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := io.Copy(out, port)
		shown <- err
	}()
	go func() { typed <- typeInto(port, a.stdin) }()
	select {
	case <-ctx.Done():
	case err = <-shown:
	case err = <-typed:
		// What the board printed up to now is shown (and logged) whole.
		port.Close()
		<-shown
	}
	fmt.Fprintf(a.stderr, "\r\nleft the console of %s\r\n", f.port)
	if err == io.EOF {
		err = nil
	}
	return err
}

// typeInto sends what is typed to the board until Ctrl-] (io.EOF then)
// or the end of the input.
func typeInto(port io.Writer, in io.Reader) error {
	buf := make([]byte, 256)
	for {
		n, err := in.Read(buf)
		if i := bytes.IndexByte(buf[:n], leaveKey); i >= 0 {
			port.Write(buf[:i])
			return io.EOF
		}
		if n > 0 {
			if _, werr := port.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}
