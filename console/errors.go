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
