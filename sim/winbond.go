package sim

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

func init() {
	// RAM at 0 (8 MiB, as the banner says), flash at 0x7F000000.
	register("winbond", personality{base: 0x7f000000, prompt: "bootloader > ", ram: 0, ramSize: 8 << 20, boot: func(b *parts) firmware {
		s := newShell(b, loader{
			style: lineStyle{lfcr: true, crBeforePrompt: true, escSwallows: true, keepsControls: true},
			boot:  (*shell).winbondBoot, exec: (*shell).winbond,
		})
		if err := s.winbondTable(); err != nil {
			panic("sim: winbond: " + err.Error())
		}
		return s
	}})
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
	s.out.puts(fmt.Sprintf("Memory Size is 0x%X Bytes, Flash Size is 0x%X Bytes\n", s.mem.ramSize, len(s.mem.flash)))
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

// winbond runs one command line, and ends it with a line feed, as sh.c's
// _parseCommand does after every command.
func (s *shell) winbond(args []string) {
	switch strings.ToUpper(args[0]) {
	case "D":
		s.winbondDisplay(args[1:])
	case "LS":
		s.winbondList()
	case "MX":
		s.winbondMX(args)
	case "FX":
		s.winbondFX(args)
	case "BX":
		s.winbondBX()
	case "B":
		s.winbondBaud(args[1:])
	case "H":
		s.out.puts("\nW90P745 Command Shell v1.0 Rebuilt on Dec 10 2009 at 10:00:00\n\n")
		for _, c := range winbondCommands {
			s.out.puts(fmt.Sprintf("%-8s %s\n", c[0], c[1]))
		}
	default:
		s.out.puts("ERROR: unrecognised command\n")
	}
	s.out.puts("\n")
}

// winbondCommands is command.c's table: the name and help text of each.
var winbondCommands = [][2]string{
	{"H", "Display the available commands"}, {"B", "Set Baud Rate"}, {"D", "Display memory. D -? for help"},
	{"E", "Edit memory. E -? for help"}, {"G", "Goto address"}, {"I", "information"},
	{"BT", "Burn the raw data into flash by TFTP"}, {"BX", "Burn the raw data into flash by Xmodem"},
	{"MX", "Xmodem download"}, {"MT", "TFTP download"}, {"FT", "Program the flash by TFTP. FT -? for help"},
	{"FX", "Program the flash by Xmodem. FX -? for help"}, {"CP", "Memory copy"}, {"LS", "List the images in the flash"},
	{"SET", "Setting boot loader configuration. SET -? for help"}, {"CHK", "Check the flash"}, {"RUN", "Execute image"},
	{"DEL", "DEL the image or flash block"}, {"MSET", "Fill memory"}, {"TERM", "Change the terminal output port"},
	{"BOOT", "Reboot the system"}, {"CACHE", "Cache setting"}, {"UNZIP", "Unzip image"},
}

// winbondRates are the rates B takes (sh.c's list, UART_Speed's table).
var winbondRates = []int{1200, 2400, 4800, 9600, 14400, 19200, 28800, 38400, 57600, 115200, 230400, 460800}

// winbondBaud is B: the UART moves to the rate once the echo has gone
// out, and the prompt comes at the new rate.
func (s *shell) winbondBaud(args []string) {
	if len(args) != 1 {
		s.out.puts("Invalid number of arguments\n[1200,2400,4800,9600,14400,19200,28800,38400,57600,115200,230400,460800]\n")
		return
	}
	n, ok := validDec(args[0])
	if !ok {
		s.out.puts(fmt.Sprintf("Invalid number - %s\n", args[0]))
		return
	}
	if !slices.Contains(winbondRates, int(n)) {
		s.out.puts("Unsupported speed.\n")
		return
	}
	if s.cfg.Baud > 0 {
		s.out.setBaud(int(n))
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
	s.out.puts(fmt.Sprintf("Displaying memory at 0x%X\n", addr))
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
