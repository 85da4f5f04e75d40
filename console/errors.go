package console

import (
	"errors"
	"fmt"
)

var (
	// ErrTimeout: the device went quiet in the middle of an answer.
	ErrTimeout = errors.New("the device stopped answering")
	// ErrClosed: the port closed or failed (a yanked USB adapter, a dropped connection).
	ErrClosed = errors.New("the connection to the device was lost")
	// ErrReset: the bootloader printed its banner or autoboot countdown again.
	ErrReset = errors.New("the device reset")
	// ErrEcho: the command came back different from what was sent.
	ErrEcho = errors.New("the command's echo did not match")
	// ErrNoPrompt: Sync found no bootloader prompt.
	ErrNoPrompt = errors.New("no bootloader prompt found")

	errUnknownFlow = errors.New("flow control must be none, rtscts or xonxoff (Linux only)")
)

// CommandError says which command failed.
type CommandError struct {
	Cmd string
	Err error
}

func (e *CommandError) Error() string { return fmt.Sprintf("command %q: %v", e.Cmd, e.Err) }
func (e *CommandError) Unwrap() error { return e.Err }

// BusyError: another program holds the serial port.
type BusyError struct {
	Port    string
	PID     int
	Program string // its name, where the system tells
	Lock    string // the lock file
}

func (e *BusyError) Error() string {
	who := fmt.Sprintf("process %d", e.PID)
	if e.Program != "" {
		who += " (" + e.Program + ")"
	}
	return fmt.Sprintf("%s is in use by %s, which holds %s: close that program first (two programs on one line garble each other)", e.Port, who, e.Lock)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// ErrBusy is matched by every *BusyError.
var ErrBusy = errors.New("the serial port is in use")
