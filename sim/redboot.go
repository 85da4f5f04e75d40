package sim

import (
	"fmt"
	"time"
)

func init() {
	register("redboot", personality{base: 0x50000000, prompt: "RedBoot> ", boot: shellFirmware(loader{
		boot: (*shell).redbootBoot, exec: (*shell).redboot,
	})})
}

// eCos RedBoot: dump and cksum.

func (s *shell) redbootBoot() (stopped bool, err error) {
	delay := s.cfg.BootDelay
	s.out.puts("\n+Ethernet eth0: MAC address 00:50:c2:00:11:22\nIP: 192.168.0.1/255.255.255.0, Gateway: 0.0.0.0\n\n")
	s.out.puts(s.redbootVersion())
	s.out.puts(fmt.Sprintf("== Executing boot script in %d.000 seconds - enter ^C to abort", max(delay, 1)))
	stopped, err = s.countdown(max(delay, 1), time.Second, func(c byte) bool { return c == ctrlC }, func(int) {})
	if stopped {
		s.out.puts("\n^C")
	}
	s.out.puts("\n")
	if err == nil && !stopped {
		s.out.puts("RedBoot> fis load -d vmlinux\n")
	}
	return stopped, err
}

func (s *shell) redbootVersion() string {
	return "RedBoot(tm) bootstrap and debug environment [ROM]\nNon-certified release, version v3_0 - built 12:00:00, Nov 26 2026\n\n" +
		"Platform: Bootdump Sim Board (ARM9)\nCopyright (C) 2000, 2001, 2002, 2003, 2004 Red Hat, Inc.\n\n" +
		"RAM: 0x40000000-0x50000000, [0x40040000-0x4ffd1000] available\n" +
		fmt.Sprintf("FLASH: 0x%08x - 0x%08x, %d blocks of 0x00010000 bytes each.\n", s.cfg.Base, s.cfg.Base+uint64(len(s.cfg.Image)), len(s.cfg.Image)>>16)
}

// redbootOptions reads -b ADDR -l LEN and the width switches.
func redbootOptions(args []string) (base, n uint64, width int, ok bool) {
	width = 1
	haveB, haveL := false, false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-1", "-2", "-4":
			width = int(args[i][1] - '0')
		case "-b", "-l":
			if i+1 >= len(args) {
				return 0, 0, 0, false
			}
			v, good := number(args[i+1])
			if !good {
				return 0, 0, 0, false
			}
			if args[i] == "-b" {
				base, haveB = v, true
			} else {
				n, haveL = v, true
			}
			i++
		default:
			return 0, 0, 0, false
		}
	}
	return base, n, width, haveB && haveL
}

func (s *shell) redboot(args []string) {
	switch args[0] {
	case "dump", "x":
		base, n, width, ok := redbootOptions(args[1:])
		if !ok {
			s.out.puts("usage: dump -b <location> [-l <length>] [-s] [-1|2|4]\n")
			return
		}
		s.redbootDump(base, n, width)
	case "cksum":
		base, n, width, ok := redbootOptions(args[1:])
		if !ok || width != 1 {
			s.out.puts("usage: cksum -b <addr> -l <length>\n")
			return
		}
		data := make([]byte, n)
		s.mem.read(base, data)
		sum := posixCksum(data)
		s.out.puts(fmt.Sprintf("POSIX cksum = %d %d (0x%08x 0x%08x)\n", sum, n, sum, n))
	case "version":
		s.out.puts("\n" + s.redbootVersion())
	case "help":
		s.out.puts("Compute a 32bit checksum [POSIX algorithm] for a range of memory\n   cksum -b <location> -l <length>\n" +
			"Display (hex dump) a range of memory\n   dump -b <location> [-l <length>] [-s] [-1|2|4]\n" +
			"Display RedBoot version information\n   version\n")
	default:
		s.out.puts(fmt.Sprintf("** Error: Illegal command: \"%s\"\n", args[0]))
	}
}

func (s *shell) redbootDump(addr, n uint64, width int) {
	var raw [16]byte
	for off := uint64(0); off < n; off += 16 {
		k := min(16, n-off)
		s.mem.read(addr+off, raw[:k])
		text := fmt.Appendf(nil, "%08X: ", addr+off)
		if width == 1 {
			for i := 0; i < 16; i++ {
				if uint64(i) < k {
					text = fmt.Appendf(text, "%02X ", raw[i])
				} else {
					text = append(text, "   "...)
				}
				if i == 7 {
					text = append(text, ' ')
				}
			}
			text = append(text, " |"...)
			for _, c := range raw[:k] {
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				text = append(text, c)
			}
			text = append(text, '|')
		} else {
			for i := 0; i+width <= int(k); i += width {
				text = fmt.Appendf(text, "%0*X ", 2*width, unitValue(raw[i:i+width], s.order))
			}
		}
		text = append(text, '\n')
		if !s.line(text) {
			return
		}
	}
}

// posixCksum is the checksum of POSIX cksum: CRC-32 (polynomial 0x04C11DB7,
// most significant bit first) over the data and then its length, inverted.
func posixCksum(data []byte) uint32 {
	var crc uint32
	feed := func(b byte) {
		crc ^= uint32(b) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	for _, b := range data {
		feed(b)
	}
	for n := len(data); n > 0; n >>= 8 {
		feed(byte(n))
	}
	return ^crc
}
