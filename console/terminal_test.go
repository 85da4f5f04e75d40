package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

// Firmware consoles that are terminals: SLOF saves and restores the
// cursor around its prompt and echo, the UEFI Shell colours its prompt
// and places every echoed key. Knowing none of their prompts, Sync learns
// each as a screen shows it, never calls the escape sequences line noise,
// and a command's echo and output read as text; the Forth answer on the
// echo's line is the command's first output line.
func TestTerminalConsoles(t *testing.T) {
	for _, c := range []struct {
		dialect, prompt, cmd, first string
	}{
		{"slof", "0 > ", "1 2 +", "ok"},
		{"openbios", "0 > ", "1 2 + u.", "3  ok"},
		{"uefi-shell", "Shell> ", "ver", "UEFI Interactive Shell v2.2"},
	} {
		p, err := sim.Pipe(sim.Config{Dialect: c.dialect, Image: make([]byte, 4096), BootDelay: 1})
		if err != nil {
			t.Fatal(err)
		}
		con := New(p, Options{Traits: Traits{Wake: []byte{'\r'}}})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := con.Sync(ctx); err != nil {
			t.Fatalf("%s: %v", c.dialect, err)
		}
		if con.Prompt() != c.prompt {
			t.Fatalf("%s: learned the prompt %q, want %q", c.dialect, con.Prompt(), c.prompt)
		}
		if err := con.ClearLine(ctx, []byte{'\r'}); err != nil {
			t.Fatalf("%s: %v", c.dialect, err)
		}
		lines, err := con.Output(ctx, c.cmd)
		if err != nil || len(lines) == 0 || strings.TrimSpace(lines[0]) != c.first {
			t.Fatalf("%s: %s printed %q, %v; want first %q", c.dialect, c.cmd, lines, err, c.first)
		}
		cancel()
		con.Close()
	}
}

// An echo is the command, then what a line editor adds: spaces, or the answer.
func TestEchoOf(t *testing.T) {
	if _, ok := echoOf([]byte("md.l 0 4x"), "md.l 0 4"); ok {
		t.Fatal("an echo with more typed after it was taken")
	}
	if rest, ok := echoOf([]byte("fff00000 20 dump  "), "fff00000 20 dump"); !ok || len(rest) != 0 {
		t.Fatalf("a Forth echo with its spaces: %q, %v", rest, ok)
	}
}
