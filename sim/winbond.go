package sim

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	register("winbond", personality{base: 0x7f000000, prompt: "bootloader > ", boot: shellFirmware(loader{
		style: lineStyle{lfcr: true, crBeforePrompt: true, escSwallows: true, keepsControls: true},
		boot:  (*shell).winbondBoot, exec: (*shell).winbond,
	})})
}

// The Winbond/Nuvoton W90P710 boot loader of the seed post's camera, as
// the vendor's command.c and sh.c print: its console sends LF CR for every
// LF, the prompt comes after a CR, the key after an ESC is swallowed (the
// start of an escape sequence), and its line editor echoes and keeps every
// other key, control characters included: a Ctrl-C typed at the prompt is
// part of the next command.

const esc = 0x1b

func (s *shell) winbondBoot() (stopped bool, err error) {
	delay := s.cfg.BootDelay
	s.out.puts("\nW90P745 Boot Loader [ Version 1.1 $Revision: 1 $ ] Rebuilt on Dec 10 2009\n")
	s.out.puts("Memory Size is 0x800000 Bytes, Flash Size is 0x400000 Bytes\n")
	s.out.puts("Board designed by Winbond\nHardware support provided at Winbond\n")
	s.out.puts("Copyright (c) Winbond Limited 2001 - 2006. All rights reserved.\n")
	s.out.puts("For help on the available commands type 'h'\n\n")
	s.out.puts("Press ESC to enter debug mode ")
	stopped, err = s.countdown(2*max(delay, 1), 500*time.Millisecond,
		func(c byte) bool { return c == esc || c == 'B' || c == 'b' },
		func(int) { s.out.putc('.') })
	s.out.puts("\n")
	if err == nil && !stopped {
		s.out.puts("Boot from image 1 linux.bin ...\n")
	}
	return stopped, err
}

func (s *shell) winbond(args []string) {
	switch strings.ToUpper(args[0]) {
	case "D":
		s.winbondDisplay(args[1:])
	case "LS":
		for _, im := range s.cfg.Images {
			s.out.puts(fmt.Sprintf("Image:%2d name:%s base:0x%08x size:0x%08x exec:0x%08x -%s\n", im.Num, im.Name, im.Base, im.Size, im.Exec, im.Flags))
		}
	case "B":
		s.winbondBaud(args[1:])
	case "H":
		s.out.puts("D [-w|-h|-b] [-s] 0xADDR : display memory\nLS : list the images in flash\n" +
			"MX [0xADDR] : XMODEM download to RAM\nFX n name 0xbase 0xexec -flags : program an image\n" +
			"BX : burn raw data\nB baud : set baud rate\nCP : copy\nMSET : set memory\nCHK : check images\nH : help\n")
	default:
		s.out.puts("ERROR: unrecognised command\n")
	}
}

// winbondRates are the rates B takes: the UART's standard rates up to
// 460800 (formats.md: "B baud set baud rate (up to 460800)").
var winbondRates = []int{9600, 19200, 38400, 57600, 115200, 230400, 460800}

// winbondBaud is B: the UART moves to the rate once the echo has gone out,
// and the prompt comes at the new rate. The vendor's description gives the
// command and its top rate, not an answer: it prints none.
func (s *shell) winbondBaud(args []string) {
	n := 0
	if len(args) == 1 {
		n, _ = strconv.Atoi(args[0])
	}
	if !slices.Contains(winbondRates, n) {
		s.out.puts("ERROR: invalid baud rate\n")
		return
	}
	if s.cfg.Baud > 0 {
		s.out.setBaud(n)
	}
}

// winbondDisplay is D: always 256 bytes from ADDR rounded down to 4.
func (s *shell) winbondDisplay(args []string) {
	width, swap, addrArg := 4, false, ""
	for _, a := range args {
		switch strings.ToLower(a) {
		case "-w":
			width = 4
		case "-h":
			width = 2
		case "-b":
			width = 1
		case "-s":
			swap = true
		default:
			addrArg = a
		}
	}
	lower := strings.ToLower(addrArg)
	if !strings.HasPrefix(lower, "0x") || len(lower) < 3 || len(lower) > 10 {
		s.out.puts("ERROR: address must be 0xXXXXXXXX\n")
		return
	}
	addr, ok := hexNumber(lower)
	if !ok {
		s.out.puts("ERROR: address must be 0xXXXXXXXX\n")
		return
	}
	s.out.puts(fmt.Sprintf("Displaying memory at 0x%08X\n", addr))
	addr &^= 3
	// Without -s a unit is what the little-endian CPU reads; -s swaps it
	// back to memory order.
	var order binary.ByteOrder = binary.LittleEndian
	if swap {
		order = binary.BigEndian
	}
	var raw [16]byte
	for line := 0; line < 16; line++ {
		s.mem.read(addr, raw[:])
		text := fmt.Appendf(nil, "[%08X]", addr)
		for i := 0; i < 16; i += width {
			if i == 8 {
				text = append(text, " -"...)
			}
			text = fmt.Appendf(text, " %0*X", 2*width, unitValue(raw[i:i+width], order))
		}
		text = append(text, "  "...)
		for _, c := range raw {
			if c <= 0x20 || c > 0x7f {
				c = '.'
			}
			text = append(text, c)
		}
		text = append(text, "\r\n"...)
		if !s.line(text) {
			return
		}
		addr += 16
	}
}
