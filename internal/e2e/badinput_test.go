package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/sim"
)

// TestBadInput: each mistake gets one clear sentence, a non-zero exit, and
// no output file.
func TestBadInput(t *testing.T) {
	img := randomBytes(64<<10, 1)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 115200})
	cases := []struct {
		name     string
		args     []string
		code     int
		sentence string
	}{
		{"absent port", []string{"-p", "/dev/ttyBOOTDUMPNONE", "--addr", "0x04000000", "--size", "64K"}, 1, "open serial port /dev/ttyBOOTDUMPNONE"},
		{"wrong baud", []string{"-p", board.Path, "-b", "9600", "--sync-timeout", "3s", "--addr", "0x04000000", "--size", "64K"}, 1, "baud rate is probably wrong"},
		{"size zero", []string{"-p", board.Path, "--addr", "0x04000000", "--size", "0"}, 2, "size is 0"},
		{"no size", []string{"-p", board.Path, "--addr", "0x04000000"}, 2, "no size"},
		{"no address", []string{"-p", board.Path, "--size", "64K"}, 2, "no address"},
		{"bad number", []string{"-p", board.Path, "--addr", "0x0400zz00", "--size", "64K"}, 2, "is not a number"},
		{"wraps 64-bit", []string{"-p", board.Path, "--addr", "0xfffffffffffff000", "--size", "0x2000"}, 2, "runs past the top of the address space"},
		{"wraps 32-bit", []string{"-p", board.Path, "--addr", "0xfffff000", "--size", "0x2000"}, 1, "runs past the top of this 32-bit board's address space"},
		{"no port", []string{"--addr", "0x04000000", "--size", "64K"}, 2, "no port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.bin")
			_, stderr, code := run(t, append(append([]string{"dump"}, c.args...), "-o", out)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, stderr)
			}
			last := lastLine(stderr)
			if !strings.HasPrefix(last, "bootdump: ") || !strings.Contains(last, c.sentence) {
				t.Fatalf("last line %q does not say %q", last, c.sentence)
			}
			noFile(t, out)
		})
	}
	t.Run("existing output", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.bin")
		if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		capture := writeFile(t, filepath.Join(t.TempDir(), "log.txt"), []byte("=> md.b 0 0x10\n00000000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n"))
		want := "bootdump: " + out + " exists; choose another -o, or --force to replace it"
		for _, args := range [][]string{
			{"dump", "-p", board.Path, "--addr", "0x04000000", "--size", "64K", "-o", out},
			{"parse", capture, "-o", out},
		} {
			_, stderr, code := run(t, args...)
			if code != 2 || lastLine(stderr) != want {
				t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
			}
			if b, _ := os.ReadFile(out); string(b) != "precious" {
				t.Fatalf("the existing file was changed to %q", b)
			}
		}
	})
}

// TestPastTheEndOfTheFlash: a range that starts in the NOR flash flinfo
// lists and runs past its end is refused before anything is read, for
// dump and verify alike, with what fits: dump's --size, verify's file.
func TestPastTheEndOfTheFlash(t *testing.T) {
	img := randomBytes(1<<20, 7)
	board := ptyBoard(t, sim.Config{Image: img})
	dir := t.TempDir()
	two := writeFile(t, filepath.Join(dir, "two.bin"), randomBytes(2<<20, 8))
	for _, tc := range []struct {
		args []string
		fits string // what to give, as the command takes it
	}{
		{[]string{"dump", "-p", board.Path, "--addr", "0x040f8000", "--size", "64K", "-o", filepath.Join(dir, "out.bin")}, "give --size 0x8000 or less"},
		{[]string{"verify", "-p", board.Path, "--addr", "0x040f8000", two}, "the file is longer than the 0x8000 bytes the flash holds from --addr; check --addr and the file"},
	} {
		_, stderr, code := run(t, tc.args...)
		want := "bootdump: 0x40f8000 + 0x"
		if code != 1 || !strings.HasPrefix(lastLine(stderr), want) || !strings.Contains(stderr, "runs past the end of NOR flash bank 1 (0x4000000..0x40fffff, flinfo): "+tc.fits) {
			t.Fatalf("%s: exit %d: %s", tc.args[0], code, stderr)
		}
	}
	noFile(t, filepath.Join(dir, "out.bin"))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
