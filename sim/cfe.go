package sim

import (
	"fmt"
	"strings"
	"time"
)

func init() {
	register("cfe", personality{base: 0x1fc00000, prompt: "CFE> ", boot: shellFirmware(loader{
		boot: (*shell).cfeBoot, exec: (*shell).cfeExec,
	})})
}

// Broadcom's CFE (ui_examcmds.c): every command ends with its status line.

func (s *shell) cfeBoot() (stopped bool, err error) {
	delay := s.cfg.BootDelay
	s.out.puts("\nCFE version 1.0.37-108.4 for BCM96348 (32bit,SP,BE)\nBuild Date: Thu Nov 26 12:00:00 UTC 2026\n")
	s.out.puts("Copyright (C) 2000-2008 Broadcom Corporation.\n\nBoot Address 0xbfc00000\n\n")
	s.out.puts("Initializing Arena.\nInitializing Devices.\nCPU type 0x29107: 256MHz, Bus: 128MHz, Ref: 64MHz\n")
	s.out.puts("Total memory: 16777216 bytes (16MB)\n\n")
	s.out.puts(fmt.Sprintf("*** Press any key to stop auto run (%d seconds) ***", max(delay, 1)))
	stopped, err = s.countdown(max(delay, 1), time.Second, anyKey, func(int) {})
	s.out.puts("\n")
	if err == nil && !stopped {
		s.out.puts("Auto run second count down: 0\nBooting from flash...\n")
	}
	return stopped, err
}

// cfeExec runs a command and prints its status, as CFE's shell does.
func (s *shell) cfeExec(args []string) {
	s.out.puts(fmt.Sprintf("*** command status = %d\n", s.cfe(args)))
}

func (s *shell) cfe(args []string) int {
	switch args[0] {
	case "d":
		return s.cfeDump(args[1:])
	case "dm":
		return s.cfeDumpBytes(args[1:])
	case "help":
		s.out.puts("Available commands:\n\nd                   Dump memory.\ndm                  Dump memory as bytes.\n" +
			"help                Obtain help for CFE commands\n\nFor more information about a command, enter 'help command-name'\n")
		return 0
	}
	s.out.puts(fmt.Sprintf("Invalid command: \"%s\"\nAvailable commands: d, dm, help\n", args[0]))
	return -1
}

// cfeDump is d [-b|-h|-w|-q] ADDR LEN: upper-case units, each followed by
// a space, one more space, the ASCII column.
func (s *shell) cfeDump(args []string) int {
	width := 4
	var rest []string
	for _, a := range args {
		switch a {
		case "-b":
			width = 1
		case "-h":
			width = 2
		case "-w":
			width = 4
		case "-q":
			width = 8
		default:
			rest = append(rest, a)
		}
	}
	addr, n, ok := s.cfeRange(rest, "Usage: d [-b|-h|-w|-q] [addr [length]]\n")
	if !ok {
		return -1
	}
	addr &^= uint64(width - 1)
	var raw [16]byte
	for off := uint64(0); off < n; off += 16 {
		s.mem.read(addr+off, raw[:])
		text := fmt.Appendf(nil, "%08X: ", addr+off)
		for i := 0; i < 16; i += width {
			if off+uint64(i) < n {
				text = fmt.Appendf(text, "%0*X ", 2*width, unitValue(raw[i:i+width], s.order))
			} else {
				text = append(text, strings.Repeat(" ", 2*width+1)...)
			}
		}
		text = append(text, ' ')
		for i, c := range raw {
			switch {
			case off+uint64(i) >= n:
				c = ' '
			default:
				c = cfeChar(c)
			}
			text = append(text, c)
		}
		text = append(text, '\n')
		if !s.line(text) {
			return 0
		}
	}
	return 0
}

// cfeRange reads the ADDR LEN (hex) of CFE's dump commands, printing usage
// or CFE's complaint when they are not there.
func (s *shell) cfeRange(args []string, usage string) (addr, n uint64, ok bool) {
	if len(args) != 2 {
		s.out.puts(usage)
		return 0, 0, false
	}
	addr, ok1 := hexNumber(args[0])
	n, ok2 := hexNumber(args[1])
	if !ok1 || !ok2 {
		s.out.puts("Invalid argument\n")
		return 0, 0, false
	}
	return addr, n, true
}

// cfeChar is a byte in CFE's ASCII column: DEL shows, the rest of what is
// not printable is a dot.
func cfeChar(c byte) byte {
	if c < 0x20 || c > 0x7f {
		return '.'
	}
	return c
}

// cfeDumpBytes is the BCM63xx dm ADDR LEN: lower-case bytes.
func (s *shell) cfeDumpBytes(args []string) int {
	addr, n, ok := s.cfeRange(args, "Usage: dm addr length\n")
	if !ok {
		return -1
	}
	var raw [16]byte
	for off := uint64(0); off < n; off += 16 {
		k := min(16, n-off)
		s.mem.read(addr+off, raw[:k])
		text := fmt.Appendf(nil, "%08x: ", addr+off)
		for i := range raw[:k] {
			text = fmt.Appendf(text, "%02x ", raw[i])
		}
		text = append(text, "   "...)
		for _, c := range raw[:k] {
			text = append(text, cfeChar(c))
		}
		text = append(text, '\n')
		if !s.line(text) {
			return 0
		}
	}
	return 0
}
