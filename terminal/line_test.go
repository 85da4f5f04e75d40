package terminal

import (
	"bytes"
	"testing"
)

// Captured from the consoles themselves, under QEMU.
func TestLineCaptured(t *testing.T) {
	for _, c := range []struct{ name, raw, want string }{
		// SLOF saves the cursor after its prompt, restores it after the
		// echo and moves over the typed text before it runs the line.
		{"SLOF prompt", "0 > \x1b7", "0 > "},
		{"SLOF echo", "0 > \x1b7fff00000 20 dump\x1b8\x1b[16C  \r", "0 > fff00000 20 dump  "},
		{"SLOF answer on the echo line", "0 > \x1b71 2 + .\x1b8\x1b[7C  3  ok\r", "0 > 1 2 + .  3  ok"},
		{"SLOF banner", "SLOF\x1b[0m\x1b[?25l **********", "SLOF **********"},
		{"SLOF progress codes", "\x1b[0m\x1b[?25hC0000\rC0100\rC08FF\r     \r", "     "},
		// The UEFI Shell colours its prompt and places every echoed key
		// at its row and column.
		{"UEFI prompt", "\x1b[08;01H\x1b[1m\x1b[33m\x1b[40mShell> \x1b[0m\x1b[37m\x1b[40m", "Shell> "},
		{"UEFI echo", "\x1b[09;01H\x1b[1m\x1b[33m\x1b[40mShell> \x1b[0m\x1b[37m\x1b[40m\x1b[09;08Hv\x1b[09;09H\x1b[09;09He\x1b[09;10H\x1b[09;10Hr\x1b[09;11H\x1b[09;11H\r", "Shell> ver"},
		{"UEFI countdown", "\x1b[07;01HPress \x1b[1m\x1b[37m\x1b[40mESC\x1b[0m\x1b[37m\x1b[40m in 4 seconds to skip \x1b[1m\x1b[33m\x1b[40mstartup.nsh\x1b[0m\x1b[37m\x1b[40m or any other key to continue.", "Press ESC in 4 seconds to skip startup.nsh or any other key to continue."},
		{"UEFI clear", "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading", "BdsDxe: loading"},
		// OpenBIOS prints bytes from 0x20 up raw in its dump.
		{"OpenBIOS data", "fff00000  4b ff ff fc    `...K\xff\xff\xfc\x7f", "fff00000  4b ff ff fc    `...K\xff\xff\xfc\x7f"},
		// U-Boot's countdown rewrites its digit with backspaces.
		{"U-Boot countdown", "Hit any key to stop autoboot:  3\b\b\b  2\b\b\b  1", "Hit any key to stop autoboot:  1"},
		{"echoed Ctrl-C", "=> ^C\x03", "=> ^C"},
		{"bell", "\a=> ", "=> "},
		{"title string", "\x1b]0;board\a=> ", "=> "},
		{"title string ended by ST", "\x1b]0;board\x1b\\=> ", "=> "},
		{"erase to end", "abcdef\r\x1b[Kxy", "xy"},
		{"erase whole line", "abcdef\x1b[2Kxy", "      xy"},
		{"cut off sequence", "=> \x1b[1;3", "=> "},
		{"backspace at start", "\b\bab", "ab"},
		{"delete characters", "abcdef\r\x1b[2P", "cdef"},
		{"tab kept", "a\tb", "a\tb"},
	} {
		if got := string(Line([]byte(c.raw))); got != c.want {
			t.Errorf("%s: Line(%q) = %q, want %q", c.name, c.raw, got, c.want)
		}
	}
}

func TestLinePlainIsRaw(t *testing.T) {
	raw := []byte("80000000: 27051956 00000000  '..V....")
	if got := Line(raw); &got[0] != &raw[0] {
		t.Errorf("a line without control bytes was copied")
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"0 > \x1b7x\x1b8\x1b[1C  ", "\x1b[09;08Hd\x1b[09;09H", "a\b\bb\rc", "\x1b]0;t\a", "\x1b[2K\x1b[?25l", "\x1b[99999999C"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Line(raw)
		if len(got) > len(raw)+1<<16 {
			t.Fatalf("%d cells from %d bytes", len(got), len(raw))
		}
		for _, b := range got {
			if b < 0x20 && b != tab {
				t.Fatalf("Line(%q) = %q shows control byte %#x", raw, got, b)
			}
		}
		if !hasControl(raw) && !bytes.Equal(got, raw) {
			t.Fatalf("Line(%q) = %q changed a line without control bytes", raw, got)
		}
		// What is shown shows the same again.
		if again := Line(got); !bytes.Equal(again, got) {
			t.Fatalf("Line(Line(%q)) = %q, not %q", raw, again, got)
		}
	})
}
