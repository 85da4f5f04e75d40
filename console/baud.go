package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// BaudSetter is a port whose line rate the host can change: a serial
// device or the simulator. Raw TCP (QEMU) has no rate to change.
type BaudSetter interface {
	SetBaudRate(baud int) error
}

// SetBaudRate changes the host side of the line, where the port has one.
// It reports whether the rate was changed.
func (c *Console) SetBaudRate(baud int) (bool, error) {
	bs, ok := c.port.(BaudSetter)
	if !ok {
		return false, nil
	}
	if err := bs.SetBaudRate(baud); err != nil {
		return false, fmt.Errorf("set the port to %d baud: %w", baud, err)
	}
	return true, nil
}

// Start sends cmd and reads its output lines until until() accepts one,
// without waiting for the prompt: for commands that wait for input, such
// as U-Boot's baud rate switch. It returns false if the prompt came first.
func (c *Console) Start(ctx context.Context, cmd string, until func(line []byte) bool) (bool, error) {
	if err := c.Write(ctx, []byte(cmd+"\r")); err != nil {
		return false, &CommandError{cmd, err}
	}
	echoed := false
	for {
		line, isPrompt, err := c.nextLine(ctx, false)
		if err != nil {
			return false, &CommandError{cmd, err}
		}
		if isPrompt {
			return false, nil
		}
		if !echoed {
			echoed = true
			continue
		}
		if until(line) {
			return true, nil
		}
	}
}

// Echoed types cmd and reads its echo, for a command whose answer comes
// at another rate (a rate switch): nothing after the echo is read.
func (c *Console) Echoed(ctx context.Context, cmd string) error {
	if err := c.send(ctx, cmd); err != nil {
		return err
	}
	line, isPrompt, err := c.nextLine(ctx, false)
	if err != nil {
		return &CommandError{cmd, err}
	}
	if _, ok := echoOf(line, cmd); isPrompt || !ok {
		return &CommandError{cmd, fmt.Errorf("%w: got %q", ErrEcho, line)}
	}
	return nil
}

// WaitPrompt reads until the prompt and fails if anything else comes
// first: a prompt that comes back clean shows the line works.
func (c *Console) WaitPrompt(ctx context.Context) error {
	for {
		line, isPrompt, err := c.nextLine(ctx, false)
		if err != nil {
			return err
		}
		if isPrompt {
			return nil
		}
		if len(line) > 0 {
			return fmt.Errorf("%w: got %q instead of the prompt", ErrNoPrompt, line)
		}
	}
}

// Write sends raw bytes to the device.
func (c *Console) Write(ctx context.Context, b []byte) error { return c.write(ctx, b) }

// Discard drops what has been received and not yet read: after a rate
// change, bytes that crossed the switch are noise.
func (c *Console) Discard() { c.buf, c.off = c.buf[:0], 0 }

// Listen returns what the device sends within d, from now on: what came
// before is dropped (sent at another rate, for telling a line's rate).
// What it returns stays in the console, for Sync to read.
func (c *Console) Listen(ctx context.Context, d time.Duration) ([]byte, error) {
	c.Discard()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		if err := c.recv(ctx, left); err != nil && !errors.Is(err, ErrTimeout) {
			return nil, err
		}
	}
	return bytes.Clone(c.buf), nil
}
