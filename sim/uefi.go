package sim

import (
	"fmt"
	"strings"
	"time"
)

// EDK2's UEFI Shell on a serial console, as OVMF runs it: its console is
// a terminal it draws on with escape sequences. The prompt is coloured;
// every echoed key is placed at its row and column; after a screenful
// every line is drawn on the last row, where the simulator keeps it.

func init() {
	register("uefi-shell", personality{base: 0xff000000, prompt: "Shell> ", boot: shellFirmware(loader{
		boot: (*shell).uefiBoot, exec: (*shell).uefi,
		prompt: func(s *shell) {
			s.out.puts(fmt.Sprintf("\x1b[%02d;01H%sShell> %s", uefiRow, uefiHighlight, uefiNormal))
		},
		echo: func(s *shell, c byte, col int) {
			at := len("Shell> ") + col + 1
			s.out.puts(fmt.Sprintf("\x1b[%02d;%02dH%c\x1b[%02d;%02dH", uefiRow, at, c, uefiRow, at+1))
		},
		enter: func(s *shell, line []byte) {
			s.out.puts(fmt.Sprintf("\x1b[%02d;%02dH\n", uefiRow, len("Shell> ")+len(line)+1))
		},
	})})
}

// uefiRow is the console's last row, where the Shell draws once the
// screen has scrolled.
const uefiRow = 25

// The Shell's colours: bold yellow on black for the prompt and headings,
// then back to white on black.
const (
	uefiHighlight = "\x1b[1m\x1b[33m\x1b[40m"
	uefiNormal    = "\x1b[0m\x1b[37m\x1b[40m"
)

const uefiVersion = "UEFI Interactive Shell v2.2\nEDK II\nUEFI v2.70 (EDK II, 0x00010000)\n"

// uefiBoot: BdsDxe starts the Shell, which counts down to startup.nsh;
// any key goes on at once, ESC skips the script.
func (s *shell) uefiBoot() (bool, error) {
	s.out.puts("\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: starting Boot0002 \"EFI Internal Shell\" from Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)\n")
	s.out.puts("\x1b[2J\x1b[01;01H\x1b[01;01H" + uefiVersion)
	s.out.puts(uefiHighlight + "Mapping table" + uefiNormal + "\n")
	delay := max(s.cfg.BootDelay, 1)
	tick := func(left int) {
		s.out.puts(fmt.Sprintf("\x1b[07;01HPress %sESC%s in %d seconds to skip %sstartup.nsh%s or any other key to continue.",
			uefiHighlight, uefiNormal, left, uefiHighlight, uefiNormal))
	}
	tick(delay)
	_, err := s.countdown(delay, time.Second, anyKey, func(left int) {
		if left > 0 {
			tick(left)
		}
	})
	s.out.puts("\n")
	// No startup.nsh: the Shell's prompt either way.
	return true, err
}

func (s *shell) uefi(args []string) {
	switch strings.ToLower(args[0]) {
	case "dmem":
		s.uefiDmem(args[1:])
	case "ver":
		s.out.puts(uefiVersion)
	default:
		s.out.puts(fmt.Sprintf("'%s' is not recognized as an internal or external command, operable program, or script file.\n", args[0]))
	}
}

// uefiDmem is dmem ADDR LEN (hex, 0x optional): a heading, then lines of
// 16 bytes, as ShellPkg's DumpHex prints them with an indent of 2: the
// address in eight upper-case digits at least and a colon, the bytes with
// a dash after the 8th, and the characters between asterisks.
func (s *shell) uefiDmem(args []string) {
	if len(args) != 2 {
		s.out.puts("dmem: Too few arguments.\n")
		return
	}
	addr, ok1 := hexNumber(args[0])
	n, ok2 := hexNumber(args[1])
	if !ok1 || !ok2 {
		s.out.puts(fmt.Sprintf("dmem: Invalid argument - '%s'\n", args[0]))
		return
	}
	s.out.puts(fmt.Sprintf("Memory Address %016X %X Bytes\n", addr, n))
	var raw [16]byte
	for off := uint64(0); off < n; off += 16 {
		k := min(16, n-off)
		s.mem.read(addr+off, raw[:k])
		text := fmt.Appendf(nil, "  %08X:", addr+off)
		for i := range k {
			sep := byte(' ')
			if i == 8 {
				sep = '-'
			}
			text = fmt.Appendf(text, "%c%02X", sep, raw[i])
		}
		text = append(text, strings.Repeat("   ", 16-int(k))...)
		text = append(text, "  *"...)
		for _, b := range raw[:k] {
			if b < 0x20 || b > 0x7e {
				b = '.'
			}
			text = append(text, b)
		}
		text = append(text, "*\n"...)
		if !s.line(text) {
			return
		}
	}
}
