package sim

import (
	"fmt"
	"hash/crc32"
	"strings"
	"time"
)

func init() {
	register("barebox", personality{base: 0x08000000, prompt: "barebox@Bootdump Sim Board:/ ", boot: shellFirmware(loader{
		boot: (*shell).bareboxBoot, exec: (*shell).barebox,
	})})
}

// barebox: md and crc32 over START+SIZE areas.

func (s *shell) bareboxBoot() (stopped bool, err error) {
	delay := s.cfg.BootDelay
	s.out.puts("\n" + s.bareboxVersion() + "\n\nBoard: Bootdump Sim Board\nNOR flash: 16 MiB\nmalloc space: 0x43f00000 -> 0x47efffff (size 64 MiB)\n\n")
	s.out.puts(fmt.Sprintf("Hit any to stop autoboot: %4d", max(delay, 1)))
	stopped, err = s.countdown(max(delay, 1), time.Second, anyKey, func(left int) {
		s.out.puts(fmt.Sprintf("\b\b\b\b%4d", left))
	})
	s.out.puts("\n")
	if err == nil && !stopped {
		s.out.puts("Booting entry 'default'\nLoading ARM Linux zImage '/dev/nor0.kernel'\n")
	}
	return stopped, err
}

func (s *shell) bareboxVersion() string {
	return "barebox 2023.01.0-bootdump-sim #1 Thu Nov 26 12:00:00 UTC 2026"
}

// bareboxArea reads START+SIZE or START-END.
func bareboxArea(arg string) (start, n uint64, ok bool) {
	if i := strings.IndexAny(arg, "+-"); i > 0 {
		a, ok1 := number(arg[:i])
		b, ok2 := number(arg[i+1:])
		if !ok1 || !ok2 {
			return 0, 0, false
		}
		if arg[i] == '+' {
			return a, b, true
		}
		return a, b - a + 1, b >= a
	}
	a, ok1 := number(arg)
	return a, 0x100, ok1
}

func (s *shell) barebox(args []string) {
	switch args[0] {
	case "md":
		width, area := 4, ""
		for _, a := range args[1:] {
			switch a {
			case "-b":
				width = 1
			case "-w":
				width = 2
			case "-l":
				width = 4
			case "-q":
				width = 8
			default:
				area = a
			}
		}
		start, n, ok := bareboxArea(area)
		if !ok {
			s.out.puts("md: invalid area: " + area + "\n")
			return
		}
		s.bareboxDisplay(start, n, width)
	case "crc32":
		if len(args) != 2 {
			s.out.puts("crc32 - crc32 checksum calculation\n\nUsage: crc32 AREA\n")
			return
		}
		start, n, ok := bareboxArea(args[1])
		if !ok {
			s.out.puts("could not parse area description: " + args[1] + "\n")
			return
		}
		data := make([]byte, n)
		s.mem.read(start, data)
		s.out.puts(fmt.Sprintf("CRC32 for /dev/mem 0x%08x ... 0x%08x ==> 0x%08x\n", start, start+n-1, crc32.ChecksumIEEE(data)))
	case "version":
		s.out.puts("\n" + s.bareboxVersion() + "\n\n")
	case "help":
		s.out.puts("Information commands:\n    help, version\nMemory commands:\n    crc32, md\n")
	default:
		s.out.puts(fmt.Sprintf("%s: No such file or directory\n", args[0]))
	}
}

// bareboxDisplay prints as barebox's memory_display: units, padding to a
// fixed column, the ASCII column.
func (s *shell) bareboxDisplay(addr, n uint64, width int) {
	var raw [16]byte
	for off := uint64(0); off < n; off += 16 {
		k := int(min(16, n-off))
		s.mem.read(addr+off, raw[:k])
		text := fmt.Appendf(nil, "%08x:", addr+off)
		col := 0
		for i := 0; i+width <= k; i += width {
			before := len(text)
			text = fmt.Appendf(text, " %0*x", 2*width, unitValue(raw[i:i+width], s.order))
			col += len(text) - before
		}
		for ; col < 52; col++ {
			text = append(text, ' ')
		}
		for _, c := range raw[:k] {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			text = append(text, c)
		}
		text = append(text, '\n')
		if !s.line(text) {
			return
		}
	}
}
