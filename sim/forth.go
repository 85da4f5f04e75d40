package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Open Firmware (IEEE 1275) as OpenBIOS and SLOF run it: a Forth
// interpreter at the prompt "0 > ". The interpreter answers on the line
// of the command's echo, and ends what worked with " ok". Only the words
// bootdump types are here, with their stack effects: numbers (hex, Open
// Firmware's base), + * and bounds, c@, do ... loop with i, u. and .,
// and dump.

func init() {
	register("openbios", personality{base: 0xfff00000, prompt: "0 > ", bigEndian: true, boot: shellFirmware(loader{
		boot: (*shell).openBIOSBoot, exec: func(s *shell, args []string) { s.forth(args, openBIOSForth) },
		// The line's end echoes as a space: the answer follows on the
		// same line.
		enter:     func(s *shell, _ []byte) { s.out.putc(' ') },
		runsEmpty: true,
	})})
	register("slof", personality{base: 0, prompt: "0 > ", bigEndian: true, boot: shellFirmware(loader{
		boot: (*shell).slofBoot, exec: func(s *shell, args []string) { s.forth(args, slofForth) },
		// SLOF's line editor saves the cursor after the prompt; at the
		// line's end it restores it, moves over the typed text and
		// prints two spaces.
		prompt: func(s *shell) { s.out.puts("0 > \x1b7") },
		enter: func(s *shell, line []byte) {
			s.out.puts("\x1b8")
			if len(line) > 0 {
				s.out.puts(fmt.Sprintf("\x1b[%dC", len(line)))
			}
			s.out.puts("  ")
		},
		runsEmpty: true,
	})})
}

// forthStyle is what tells the two Forths apart on the console.
type forthStyle struct {
	undefined func(word string) string // the complaint about an unknown word
	dump      func(s *shell, addr, n uint64) bool
}

var (
	openBIOSForth = forthStyle{
		undefined: func(w string) string { return w + ": undefined word.\n" },
		dump:      (*shell).openBIOSDump,
	}
	slofForth = forthStyle{
		undefined: func(w string) string { return w + " Undefined word\n\n" },
		dump:      (*shell).slofDump,
	}
)

func (s *shell) openBIOSBoot() (bool, error) {
	s.out.puts("\n>> =============================================================\n>> OpenBIOS 1.1 [Dec 16 2025 06:10]\n")
	s.out.puts(">> Configuration device id QEMU version 1 machine id 1\n>> CPUs: 1\n>> Memory: 128M\n>> CPU type PowerPC,G4\n")
	s.out.puts("Welcome to OpenBIOS v1.1 built on Dec 16 2025 06:10\nTrying hd:,\\\\:tbxi...\n")
	s.out.puts("No valid state has been set by load or init-program\n\n")
	return true, nil
}

func (s *shell) slofBoot() (bool, error) {
	s.out.puts("\n\nSLOF\x1b[0m\x1b[?25l **********************************************************************\n")
	s.out.puts("\x1b[1mQEMU Starting\n\x1b[0m Build Date = Dec 16 2025 06:10:19\n FW Version = release 20220719\n")
	s.out.puts(" Press \"s\" to enter Open Firmware.\r\n\r\n\x1b[0m\x1b[?25hC0000\rC0100\rC08FF\r     \n")
	s.out.puts("  Welcome to Open Firmware\n\n  Copyright (c) 2004, 2017 IBM Corporation All rights reserved.\n\n")
	s.out.puts("Trying to load:  from: disk ... \nE3405: No such device\n\nE3407: Load failed\n\nReady! \n")
	return true, nil
}

// forth interprets one line. What worked ends with " ok" and the line's
// end; an unknown word ends the line with the complaint.
func (s *shell) forth(words []string, style forthStyle) {
	var stack []uint64
	pop := func() (uint64, bool) {
		if len(stack) == 0 {
			return 0, false
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v, true
	}
	var run func(words []string, i uint64) bool
	run = func(words []string, index uint64) bool {
		for pc := 0; pc < len(words); pc++ {
			w := strings.ToLower(words[pc])
			if v, err := strconv.ParseUint(w, 16, 64); err == nil {
				stack = append(stack, v)
				continue
			}
			switch w {
			case "+", "*", "and":
				b, ok1 := pop()
				a, ok2 := pop()
				if !ok1 || !ok2 {
					s.out.puts("stack underflow\n")
					return false
				}
				switch w {
				case "+":
					stack = append(stack, a+b)
				case "*":
					stack = append(stack, a*b)
				default:
					stack = append(stack, a&b)
				}
			case "bounds": // ( addr len -- addr+len addr )
				n, ok1 := pop()
				a, ok2 := pop()
				if !ok1 || !ok2 {
					s.out.puts("stack underflow\n")
					return false
				}
				stack = append(stack, a+n, a)
			case "c@":
				a, ok := pop()
				if !ok {
					s.out.puts("stack underflow\n")
					return false
				}
				var b [1]byte
				s.mem.read(a, b[:])
				stack = append(stack, uint64(b[0]))
			case "i":
				stack = append(stack, index)
			case "do": // ( limit start -- ) ... loop
				end := pc + 1
				for end < len(words) && strings.ToLower(words[end]) != "loop" {
					end++
				}
				start, ok1 := pop()
				limit, ok2 := pop()
				if !ok1 || !ok2 || end == len(words) {
					s.out.puts("stack underflow\n")
					return false
				}
				for i := start; i < limit; i++ {
					if !run(words[pc+1:end], i) {
						return false
					}
				}
				pc = end
			case "u.", ".":
				v, ok := pop()
				if !ok {
					s.out.puts("stack underflow\n")
					return false
				}
				s.out.puts(strconv.FormatUint(v, 16) + " ")
			case "dump":
				n, ok1 := pop()
				a, ok2 := pop()
				if !ok1 || !ok2 {
					s.out.puts("stack underflow\n")
					return false
				}
				if !style.dump(s, a, n) {
					return false
				}
			default:
				s.out.puts(style.undefined(words[pc]))
				return false
			}
		}
		return true
	}
	if run(words, 0) {
		s.out.puts(" ok\n")
	}
}

// openBIOSDump is OpenBIOS's dump (forth/bootstrap/bootstrap.fs): a line
// end first, then for every 16 bytes from addr the address as u. prints
// it and a space, 16 bytes (two hex digits and a space, one more after the
// 8th), three spaces, the bytes as they are (those below 0x20 as dots),
// and a line end.
func (s *shell) openBIOSDump(addr, n uint64) bool {
	s.out.puts("\n")
	var raw [16]byte
	for at := addr; at < addr+n; at += 16 {
		s.mem.read(at, raw[:])
		text := fmt.Appendf(nil, "%x  ", at)
		for i, b := range raw {
			text = fmt.Appendf(text, "%02x ", b)
			if i == 7 {
				text = append(text, ' ')
			}
		}
		text = append(text, "   "...)
		for _, b := range raw {
			if b < 0x20 {
				b = '.'
			}
			text = append(text, b)
		}
		text = append(text, '\n')
		if !s.line(text) {
			return false
		}
	}
	return true
}

// slofDump is SLOF's dump (slof/fs/dump.fs): from addr rounded down to 16,
// each line starts with a line end, the address in eight digits at least
// and a colon, then the 16 bytes (spaces for those outside the range),
// two spaces and the characters (0x20..0x7e as themselves, else dots).
func (s *shell) slofDump(addr, n uint64) bool {
	var raw [16]byte
	end := addr + n
	for at := addr &^ 15; at < end; at += 16 {
		s.mem.read(at, raw[:])
		text := fmt.Appendf(nil, "\n%08x:", at)
		for i, b := range raw {
			if in := at+uint64(i) >= addr && at+uint64(i) < end; in {
				text = fmt.Appendf(text, " %02x", b)
			} else {
				text = append(text, "   "...)
			}
		}
		text = append(text, "  "...)
		for i, b := range raw {
			switch {
			case at+uint64(i) < addr || at+uint64(i) >= end:
				b = ' '
			case b < 0x20 || b > 0x7e:
				b = '.'
			}
			text = append(text, b)
		}
		if !s.line(text) {
			return false
		}
	}
	return true
}
