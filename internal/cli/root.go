package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bootdump/bootdump/dump"
	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitSignal  = 130 // interrupted (Ctrl-C), as shells report SIGINT
)

// usageError marks errors in how bootdump was called (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// app holds what every command shares.
type app struct {
	stdin          *os.File // restore asks for confirmation here
	stdout, stderr io.Writer
	verbose        bool
	logFormat      string
	log            *slog.Logger
	logs           *logSink // where log lines go: stderr, or above a progress bar
}

// Main runs bootdump with args and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, logs: &logSink{w: stderr}}
	root := &cobra.Command{
		Use:   "bootdump",
		Short: "Back up, verify and restore firmware through a bootloader's serial console",
		Long: `bootdump reads the memory and flash of embedded devices through their
bootloader's serial console (U-Boot's md, and the dump commands of the
Winbond loader, CFE, RedBoot and barebox), proves every chunk right with the
device's own checksum command, resumes where it stopped, and writes a backup
back (restore).

Try it without hardware:  bootdump demo

Shell completion (commands, flags, --dialect, --source and the serial ports):
  bash:  source <(bootdump completion bash)
  zsh:   bootdump completion zsh > "${fpath[1]}/_bootdump"
  fish:  bootdump completion fish | source`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			h, err := logHandler(a.logs, a.logFormat, a.verbose)
			if err != nil {
				return err
			}
			a.log = slog.New(h)
			return nil
		},
	}
	root.Version = versionString()
	root.SetVersionTemplate("bootdump {{.Version}}\n")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log every step, with its details and the time")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "human", "how log lines read: human (sentences), text (key=value) or json (a record a line)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c == root && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			return unknownCommand(root, args) // a mistyped command, whose flags the root does not take
		}
		return usageError{flagHint(c, err)}
	})
	root.AddCommand(a.dumpCommand(), a.infoCommand(), a.verifyCommand(), a.identifyCommand(), a.parseCommand(), a.restoreCommand(), a.simCommand(), a.demoCommand(), a.portsCommand(), a.consoleCommand())
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(cmd, args)
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	interrupted := ctx.Err() != nil
	if errors.Is(err, context.Canceled) && interrupted && !strings.HasPrefix(err.Error(), "interrupted") {
		err = fmt.Errorf("interrupted (%v)", err)
	}
	fmt.Fprintf(stderr, "bootdump: %v\n", err)
	if interrupted {
		return exitSignal
	}
	var u usageError
	if errors.As(err, &u) || isCobraUsage(err) || errors.Is(err, dump.ErrOutput) || errors.Is(err, dump.ErrExists) {
		return exitUsage
	}
	return exitFailure
}

// isCobraUsage recognises cobra's own argument errors.
func isCobraUsage(err error) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "required flag"} {
		if strings.Contains(err.Error(), p) {
			return true
		}
	}
	return false
}

// newJSON is how every command prints JSON: indented, and with > < &
// as themselves (prompts hold them), not \u003e.
func newJSON(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc
}
