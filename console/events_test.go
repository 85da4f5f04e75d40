package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// scriptPort answers each command with the pieces its script gives, each
// piece one read on the host side (as a UART delivers a line in parts).
type scriptPort struct {
	r       *io.PipeReader
	w       *io.PipeWriter
	replies map[string][]string
	typed   bytes.Buffer
}

func newScriptPort(replies map[string][]string) *scriptPort {
	r, w := io.Pipe()
	return &scriptPort{r: r, w: w, replies: replies}
}

func (p *scriptPort) Read(b []byte) (int, error) { return p.r.Read(b) }
func (p *scriptPort) Close() error               { p.w.Close(); return p.r.Close() }

func (p *scriptPort) Write(b []byte) (int, error) {
	for _, c := range b {
		switch c {
		case CtrlC:
			go p.send("<INTERRUPT>\r\n=> ")
		case '\r':
			cmd := p.typed.String()
			p.typed.Reset()
			reply, ok := p.replies[cmd]
			if !ok {
				reply = []string{"=> "}
			}
			go p.send(append([]string{cmd + "\r\n"}, reply...)...)
		default:
			p.typed.WriteByte(c)
		}
	}
	return len(b), nil
}

func (p *scriptPort) send(pieces ...string) {
	for _, s := range pieces {
		if _, err := p.w.Write([]byte(s)); err != nil {
			return
		}
	}
}

func scriptConsole(t *testing.T, replies map[string][]string) *Console {
	t.Helper()
	opt := ubootOptions()
	opt.IdleTimeout = 300 * time.Millisecond
	c := New(newScriptPort(replies), opt)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// dataIf is a LineFunc that takes lines starting with "040" for data and
// fails on any other line, as a dump reader does.
func dataIf(t *testing.T, got *[]string) LineFunc {
	return func(line []byte) (bool, error) {
		*got = append(*got, string(line))
		if bytes.HasPrefix(line, []byte("040")) {
			return true, nil
		}
		return false, errors.New("not a dump line")
	}
}

func TestDataLinesAreNeverEvents(t *testing.T) {
	lines := []string{
		"04090ea0: 72 65 73 65 74 74 69 6e 67 20 2e 2e 2e 0a 00 25  resetting .....%\r\n",
		// the countdown's text, arriving before the rest of its line
		"04090eb0: 74 6f 20 73 74 6f 70 20 61 75 74 6f 62 6f 6f 74  to stop autoboot",
		"\r\n",
		"04090ec0: 55 2d 42 6f 6f 74 20 53 50 4c 20 32 30 32 33 2e  U-Boot SPL 2023.\r\n",
		"=> ",
	}
	c := scriptConsole(t, map[string][]string{"md.b 0x4090ea0 0x30": lines})
	var got []string
	if err := c.Exec(context.Background(), "md.b 0x4090ea0 0x30", dataIf(t, &got)); err != nil {
		t.Fatalf("a dump of U-Boot's own strings failed: %v (lines %q)", err, got)
	}
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3: %q", len(got), got)
	}
}

func TestGarbledLineWithResetTextIsOnlySuspect(t *testing.T) {
	garbled := "04090ea0: 72 65 73 65 74 7? 69 6e 67 20 2e 2e 2e 0a 00 25  resetting .....%\r\n"
	c := scriptConsole(t, map[string][]string{"md.b 0x4090ea0 0x10": {"x" + garbled, "=> "}})
	var got []string
	err := c.Exec(context.Background(), "md.b 0x4090ea0 0x10", dataIf(t, &got))
	if err == nil || errors.Is(err, ErrReset) || !strings.Contains(err.Error(), "not a dump line") {
		t.Fatalf("got %v, want the line's own error and no reset", err)
	}
	// The console is still in step.
	if out, err := c.Output(context.Background(), "version"); err != nil || len(out) != 0 {
		t.Fatalf("after the garbled line: %q, %v", out, err)
	}
}

func TestResetTextThenNoPromptIsAReset(t *testing.T) {
	c := scriptConsole(t, map[string][]string{"md.l 0x10 4": {"data abort\r\n", "resetting ...\r\n"}})
	err := c.Exec(context.Background(), "md.l 0x10 4", nil)
	if !errors.Is(err, ErrReset) || !strings.Contains(err.Error(), "prompt did not come back") {
		t.Fatalf("got %v, want a reset believed because the prompt was lost", err)
	}
}

func TestCountdownAfterTextIsAReset(t *testing.T) {
	c := scriptConsole(t, map[string][]string{"md.l 0x04000000 4": {
		"04000000: 12345678 12345678 12345678 12345678  xV4.xV4.xV4.xV4.\r\n",
		"\r\n", "U-Boot 2023.01 (Jan 10 2023 - 00:00:00 +0000)\r\n", "\r\n",
		"Hit any key to stop autoboot:  2 ",
	}})
	var got []string
	err := c.Exec(context.Background(), "md.l 0x04000000 4", dataIf(t, &got))
	if !errors.Is(err, ErrReset) || !strings.Contains(err.Error(), "counting down") {
		t.Fatalf("got %v, want a reset seen by its countdown", err)
	}
}
