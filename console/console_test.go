package console

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

// ubootOptions is what U-Boot's dialect tells the console (the console
// itself knows no bootloader).
func ubootOptions() Options {
	return Options{
		Traits: Traits{
			Prompts:  []string{"=> "},
			Autoboot: []Autoboot{{Marker: "Hit any key to stop autoboot", Keys: []byte{CtrlC}}},
			Resets:   []string{"Hit any key to stop autoboot", "resetting ..."},
		},
	}
}

func simConsole(t *testing.T, cfg sim.Config) *Console {
	t.Helper()
	p, err := sim.Pipe(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := New(p, ubootOptions())
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSyncStopsAutobootAndRunsCommands(t *testing.T) {
	image := []byte(strings.Repeat("bootdump reference flash image. ", 4))
	c := simConsole(t, sim.Config{Image: image, BootDelay: 5})
	if c.Prompt() != "=> " {
		t.Fatalf("prompt %q", c.Prompt())
	}
	ctx := context.Background()
	out, err := c.Output(ctx, "md.b 0x04000000 0x13")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"04000000: 62 6f 6f 74 64 75 6d 70 20 72 65 66 65 72 65 6e  bootdump referen",
		"04000010: 63 65 20                                         ce ",
	}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%q\nwant\n%q", out, want)
	}
	out, err = c.Output(ctx, "crc32 0x04000000 0x80")
	if err != nil || len(out) != 1 || !strings.HasPrefix(out[0], "crc32 for 04000000 ... 0400007f ==> ") {
		t.Fatalf("crc32: %q %v", out, err)
	}
	out, err = c.Output(ctx, "foo")
	if err != nil || len(out) != 1 || out[0] != "Unknown command 'foo' - try 'help'" {
		t.Fatalf("foo: %q %v", out, err)
	}
}

func TestLearnsAnUnknownPrompt(t *testing.T) {
	p, err := sim.Pipe(sim.Config{Image: make([]byte, 256), Prompt: "Camera Boot # ", BootDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := New(p, Options{})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Prompt() != "Camera Boot # " {
		t.Fatalf("learned %q", c.Prompt())
	}
	if out, err := c.Output(ctx, "printenv loadaddr"); err != nil || len(out) != 1 || out[0] != "loadaddr=0x40200000" {
		t.Fatalf("printenv: %q %v", out, err)
	}
}

func TestWrongBaudIsReported(t *testing.T) {
	p, err := sim.Pipe(sim.Config{Image: make([]byte, 256), Baud: 115200, HostBaud: func() int { return 9600 }})
	if err != nil {
		t.Fatal(err)
	}
	c := New(p, ubootOptions())
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err = c.Sync(ctx)
	var se *SyncError
	if !errors.As(err, &se) || !errors.Is(err, ErrNoPrompt) || !strings.Contains(err.Error(), "baud rate") {
		t.Fatalf("got %v, want a wrong-baud SyncError", err)
	}
}

func TestResetDuringCommandIsReported(t *testing.T) {
	c := simConsole(t, sim.Config{Image: make([]byte, 256)})
	err := c.Exec(context.Background(), "md.l 0x10 4", nil)
	if !errors.Is(err, ErrReset) {
		t.Fatalf("reading an unmapped address gave %v, want ErrReset", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatalf("resync after reset: %v", err)
	}
}

func TestExecRefusesEmptyLine(t *testing.T) {
	c := simConsole(t, sim.Config{Image: make([]byte, 256)})
	if err := c.Exec(context.Background(), "", nil); err == nil {
		t.Fatal("an empty command was sent")
	}
}
