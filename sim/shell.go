package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"time"
)

// Dialects are the bootloaders the simulator runs.
var Dialects = []string{"uboot", "winbond", "cfe", "redboot", "barebox"}

var defaultBase = map[string]uint64{
	"uboot": 0x04000000, "winbond": 0x7f000000, "cfe": 0x1fc00000, "redboot": 0x50000000, "barebox": 0x08000000,
}

var defaultPrompt = map[string]string{
	"uboot": "=> ", "winbond": "bootloader > ", "cfe": "CFE> ", "redboot": "RedBoot> ", "barebox": "barebox@Bootdump Sim Board:/ ",
}

const esc = 0x1b

// DefaultBase is where a dialect's simulated board maps its flash.
func DefaultBase(dialect string) uint64 { return defaultBase[dialect] }

// shell runs the bootloaders other than U-Boot: the Winbond/Nuvoton boot
// loader of the seed's camera, Broadcom CFE, RedBoot and barebox. Their
// output follows reference/formats.md, printed by the code here.
type shell struct {
	cfg    UBootConfig
	ctx    context.Context
	out    *lineOut
	in     <-chan byte
	faults *faultState
	mem    *memory
	order  binary.ByteOrder // the CPU's
}

func newShell(cfg UBootConfig, l *line, fs *faultState, mem *memory) *shell {
	// The Winbond console sends LF CR for every LF.
	l.out.lfcr = cfg.Dialect == "winbond"
	var order binary.ByteOrder = binary.LittleEndian
	if cfg.BigEndian {
		order = binary.BigEndian
	}
	return &shell{cfg: cfg, out: l.out, in: l.in, faults: fs, mem: mem, order: order}
}

func (s *shell) run(ctx context.Context) (err error) {
	defer catchReset(&err)
	s.ctx = ctx
	s.faults.powerOn()
	s.mem.resetRAM()
	s.out.setBaud(s.cfg.Baud)
	stopped, err := s.boot()
	if err != nil {
		return err
	}
	if !stopped {
		// There is no kernel to run: like the U-Boot board, fall back to
		// the prompt, where a host that comes later finds it.
		s.out.puts("no kernel in this simulated flash; back to the boot loader\n")
	}
	for {
		if s.cfg.Dialect == "winbond" {
			s.out.putc('\r') // the prompt comes after a CR
		}
		s.out.puts(s.cfg.Prompt)
		cmd, err := s.readLine()
		if err != nil {
			return err
		}
		if args := strings.Fields(cmd); len(args) > 0 {
			s.exec(args)
		}
	}
}

// key waits up to d for a typed byte.
func (s *shell) key(d time.Duration) (byte, bool, error) {
	s.out.flush()
	select {
	case <-s.ctx.Done():
		return 0, false, s.ctx.Err()
	case c, ok := <-s.in:
		if !ok {
			return 0, false, io.EOF
		}
		return c, true, nil
	case <-time.After(d):
		return 0, false, nil
	}
}

// countdown prints tick every step until a key that stops is typed or
// the time is up; it reports whether the key came.
func (s *shell) countdown(steps int, step time.Duration, stops func(byte) bool, tick func(left int)) (bool, error) {
	if s.cfg.BootDelay < 0 {
		return true, nil // a board set to wait at its prompt
	}
	for left := steps; left > 0; left-- {
		deadline := time.Now().Add(step)
		for {
			c, ok, err := s.key(time.Until(deadline))
			if err != nil {
				return false, err
			}
			if !ok {
				break
			}
			if stops(c) {
				return true, nil
			}
		}
		tick(left - 1)
	}
	return false, nil
}

// boot prints the banner and waits for the key that stops autoboot.
func (s *shell) boot() (bool, error) {
	delay := s.cfg.BootDelay
	any := func(byte) bool { return true }
	var stopped bool
	var err error
	switch s.cfg.Dialect {
	case "winbond":
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
	case "cfe":
		s.out.puts("\nCFE version 1.0.37-108.4 for BCM96348 (32bit,SP,BE)\nBuild Date: Thu Nov 26 12:00:00 UTC 2026\n")
		s.out.puts("Copyright (C) 2000-2008 Broadcom Corporation.\n\nBoot Address 0xbfc00000\n\n")
		s.out.puts("Initializing Arena.\nInitializing Devices.\nCPU type 0x29107: 256MHz, Bus: 128MHz, Ref: 64MHz\n")
		s.out.puts("Total memory: 16777216 bytes (16MB)\n\n")
		s.out.puts(fmt.Sprintf("*** Press any key to stop auto run (%d seconds) ***", max(delay, 1)))
		stopped, err = s.countdown(max(delay, 1), time.Second, any, func(int) {})
		s.out.puts("\n")
		if err == nil && !stopped {
			s.out.puts("Auto run second count down: 0\nBooting from flash...\n")
		}
	case "redboot":
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
	case "barebox":
		s.out.puts("\n" + s.bareboxVersion() + "\n\nBoard: Bootdump Sim Board\nNOR flash: 16 MiB\nmalloc space: 0x43f00000 -> 0x47efffff (size 64 MiB)\n\n")
		s.out.puts(fmt.Sprintf("Hit any to stop autoboot: %4d", max(delay, 1)))
		stopped, err = s.countdown(max(delay, 1), time.Second, any, func(left int) {
			s.out.puts(fmt.Sprintf("\b\b\b\b%4d", left))
		})
		s.out.puts("\n")
		if err == nil && !stopped {
			s.out.puts("Booting entry 'default'\nLoading ARM Linux zImage '/dev/nor0.kernel'\n")
		}
	}
	return stopped, err
}

func (s *shell) redbootVersion() string {
	return "RedBoot(tm) bootstrap and debug environment [ROM]\nNon-certified release, version v3_0 - built 12:00:00, Nov 26 2026\n\n" +
		"Platform: Bootdump Sim Board (ARM9)\nCopyright (C) 2000, 2001, 2002, 2003, 2004 Red Hat, Inc.\n\n" +
		"RAM: 0x40000000-0x50000000, [0x40040000-0x4ffd1000] available\n" +
		fmt.Sprintf("FLASH: 0x%08x - 0x%08x, %d blocks of 0x00010000 bytes each.\n", s.cfg.Base, s.cfg.Base+uint64(len(s.cfg.Image)), len(s.cfg.Image)>>16)
}

func (s *shell) bareboxVersion() string {
	return "barebox 2023.01.0-bootdump-sim #1 Thu Nov 26 12:00:00 UTC 2026"
}

// readLine echoes what is typed until CR. In the Winbond shell ESC starts
// an escape sequence: the key after it is swallowed.
func (s *shell) readLine() (string, error) {
	var buf []byte
	swallow := false
	for {
		c, ok, err := s.key(time.Hour)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		switch {
		case swallow:
			swallow = false
		case c == esc && s.cfg.Dialect == "winbond":
			swallow = true
		case c == '\r' || c == '\n':
			s.out.puts("\n")
			return string(buf), nil
		case c == '\b' || c == 0x7f:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				s.out.puts("\b \b")
			}
		case c >= 0x20 && c < 0x7f && len(buf) < 256:
			buf = append(buf, c)
			s.out.putc(c)
		}
	}
}

// interrupted reports whether Ctrl-C was typed, discarding other input.
func (s *shell) interrupted() bool {
	if s.ctx.Err() != nil {
		return true
	}
	for {
		select {
		case c, ok := <-s.in:
			if !ok || c == ctrlC {
				return true
			}
		default:
			return false
		}
	}
}

func (s *shell) sleep(d time.Duration) {
	select {
	case <-s.ctx.Done():
	case <-time.After(d):
	}
}

// line prints one line of a long output, where faults may strike and
// Ctrl-C stops it.
func (s *shell) line(text []byte) bool {
	s.faults.beforeLine(s.out, s.sleep)
	s.out.write(text)
	return !s.interrupted()
}

func (s *shell) exec(args []string) {
	switch s.cfg.Dialect {
	case "winbond":
		s.winbond(args)
	case "cfe":
		status := s.cfe(args)
		s.out.puts(fmt.Sprintf("*** command status = %d\n", status))
	case "redboot":
		s.redboot(args)
	case "barebox":
		s.barebox(args)
	}
}

// number parses a hex number with 0x, or decimal.
func number(arg string) (uint64, bool) {
	v, err := strconv.ParseUint(arg, 0, 64)
	return v, err == nil
}

// hexNumber parses hex with or without 0x, as CFE's xtoi does.
func hexNumber(arg string) (uint64, bool) {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(arg), "0x"), 16, 64)
	return v, err == nil
}

// unitValue reads one unit of memory as order says.
func unitValue(p []byte, order binary.ByteOrder) uint64 {
	switch len(p) {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(order.Uint16(p))
	case 4:
		return uint64(order.Uint32(p))
	default:
		return order.Uint64(p)
	}
}

// --- Winbond / Nuvoton W90P710 boot loader ---

func (s *shell) winbond(args []string) {
	switch strings.ToUpper(args[0]) {
	case "D":
		s.winbondDisplay(args[1:])
	case "LS":
		for _, im := range s.cfg.Images {
			s.out.puts(fmt.Sprintf("Image:%2d name:%s base:0x%08x size:0x%08x exec:0x%08x -%s\n", im.Num, im.Name, im.Base, im.Size, im.Exec, im.Flags))
		}
	case "H":
		s.out.puts("D [-w|-h|-b] [-s] 0xADDR : display memory\nLS : list the images in flash\n" +
			"MX [0xADDR] : XMODEM download to RAM\nFX n name 0xbase 0xexec -flags : program an image\n" +
			"BX : burn raw data\nB baud : set baud rate\nCP : copy\nMSET : set memory\nCHK : check images\nH : help\n")
	default:
		s.out.puts("ERROR: unrecognised command\n")
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

// --- Broadcom CFE ---

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

// --- RedBoot ---

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

// --- barebox ---

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
