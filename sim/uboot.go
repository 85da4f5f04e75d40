package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

func init() {
	register("uboot", personality{base: 0x04000000, prompt: "=> ", boot: func(b *parts) firmware { return newUBoot(b, nil) }})
}

// newUBoot is U-Boot 2023.01 on the board's parts, or fork f of it.
func newUBoot(p *parts, f *fork) *uboot {
	cfg := p.cfg
	if f != nil {
		cfg.OldLayout = true // 1.1.x's print_buffer
	}
	return &uboot{cfg: cfg, uart: p.line, out: p.line.out, in: p.line.in, faults: p.faults, mem: p.mem, flash: flashDefaults(cfg.Flash), fork: f}
}

// uboot is U-Boot 2023.01's firmware, as cmd/mem.c, cmd/flash.c,
// cmd/sf.c, cmd/nand.c and common/autoboot.c print, checked against the
// real captures in testdata.
type uboot struct {
	cfg    Config
	ctx    context.Context
	uart   *line // the UART: keys, resets
	out    *lineOut
	in     <-chan byte
	faults *faultState
	mem    *memory
	flash  []FlashDevice
	env    map[string]string
	fork   *fork // a vendor's old build, or nil for 2023.01

	protected map[uint64]bool // NOR sectors (offsets) write-protected
	sfProbed  bool            // sf probe ran since power-on
	mmcDev    int             // the current mmc device
	last      string          // the command an empty line repeats

	// md's memory between calls, as in U-Boot's cmd/mem.c
	mdAddr   uint64
	mdSize   int
	mdLength uint64
}

// run is one power-on, until a reset (errReset) or ctx ends.
func (b *uboot) run(ctx context.Context) (err error) {
	defer catchReset(&err)
	b.ctx = ctx
	b.uart.powerOn()
	b.faults.powerOn()
	b.mem.resetRAM()
	b.out.setBaud(b.cfg.Baud) // power-on rate
	b.env = map[string]string{
		"arch": "arm", "baudrate": strconv.Itoa(b.rate()), "board": "qemu-arm", "board_name": "qemu-arm",
		"bootcmd": "run distro_bootcmd", "bootdelay": strconv.Itoa(b.cfg.BootDelay),
		"cpu": "armv7", "fdt_addr": "0x40000000", "fdtcontroladdr": "4edb6db0",
		"kernel_addr_r": "0x40400000", "loadaddr": "0x40200000", "ramdisk_addr_r": "0x44000000",
		"scriptaddr": "0x40200000", "stderr": "pl011@9000000", "stdin": "pl011@9000000",
		"stdout": "pl011@9000000", "vendor": "emulation",
	}
	if b.cfg.Bits64 {
		b.env["arch"], b.env["cpu"], b.env["board"] = "arm", "armv8", "qemu-arm"
	}
	if b.cfg.Mtdparts != "" {
		b.env["mtdparts"] = b.cfg.Mtdparts
	}
	if b.fork != nil {
		b.env = maps.Clone(b.fork.env)
		b.env["bootdelay"], b.env["baudrate"] = strconv.Itoa(b.cfg.BootDelay), strconv.Itoa(b.rate())
	}
	if b.fork == nil {
		b.env["stdin"], b.env["stdout"], b.env["stderr"] = b.console(), b.console(), b.console()
	}
	b.installExports()
	b.out.lfcr = b.fork != nil && b.fork.lfcr // Linux may have changed it
	if b.cfg.Ethaddr != "" {
		b.env["ethaddr"] = b.cfg.Ethaddr
	}
	b.sfProbed, b.mmcDev = false, 0
	b.protected = map[uint64]bool{}
	for s := uint64(0); s < b.cfg.ProtectFirst; s += norSector {
		b.protected[s] = true
	}
	b.mdSize, b.mdLength, b.mdAddr, b.last = 4, 0x40, 0, ""
	boot := (*uboot).boot
	if b.fork != nil {
		boot = b.fork.boot
	}
	stopped, err := boot(b, ctx)
	if err != nil {
		return err
	}
	if !stopped {
		if b.cfg.Linux {
			return bootLinux(ctx, b.uart)
		}
		b.out.puts(b.noKernel())
	}
	for {
		b.out.puts(b.cfg.Prompt)
		cmd, interrupted, err := b.readLine(ctx)
		if err != nil {
			return err
		}
		if interrupted {
			b.out.puts("<INTERRUPT>\n")
			continue
		}
		repeat := false
		if cmd == "" {
			if b.last == "" {
				continue
			}
			cmd, repeat = b.last, true
		}
		ok, err := b.exec(ctx, cmd, repeat)
		if err != nil {
			return err
		}
		// U-Boot forgets a command that failed or may not repeat.
		if ok {
			b.last = cmd
		} else {
			b.last = ""
		}
	}
}

func (b *uboot) version() string {
	if b.fork != nil {
		return b.fork.version
	}
	return "U-Boot 2023.01-bootdump-sim (Nov 25 2026 - 12:00:00 +0000)"
}

// noKernel is what bootcmd prints on a board whose flash holds no kernel,
// before it falls back to the prompt.
func (b *uboot) noKernel() string {
	if b.fork != nil {
		return "Bad Magic Number\n" // 1.1.x bootm on a flash without a uImage
	}
	// as QEMU's virt board without disks does
	return "fatal: no kernel available\nCommand 'load' failed: Error 1\nstarting USB...\nNo working controllers found\n" +
		"USB is stopped. Please issue 'usb start' first.\nscanning bus for devices...\n\nDevice 0: unknown device\nNo ethernet found.\n"
}

// boot prints 2023.01's banner and counts down; it reports whether a key
// stopped the countdown.
func (b *uboot) boot(ctx context.Context) (bool, error) {
	b.out.puts("\n\n" + b.version() + "\n\n")
	b.out.puts("DRAM:  256 MiB\nCore:  47 devices, 13 uclasses, devicetree: board\nFlash: 64 MiB\n")
	b.out.puts("Loading Environment from Flash... *** Warning - bad CRC, using default environment\n\n")
	b.out.puts(fmt.Sprintf("In:    %[1]s\nOut:   %[1]s\nErr:   %[1]s\nNet:   No ethernet found.\n", b.console()))
	if b.cfg.BootDelay < 0 {
		return true, nil
	}
	delay := b.cfg.BootDelay
	b.out.puts(fmt.Sprintf("Hit any key to stop autoboot: %2d ", delay))
	abort := false
	if _, ok := b.poll(); ok { // a key was already waiting
		b.out.puts("\b\b\b 0")
		abort = true
	}
	for delay > 0 && !abort {
		delay--
		_, typed, err := b.uart.key(ctx, time.Second)
		if err != nil {
			return false, err
		}
		if typed {
			abort, delay = true, 0 // the key is consumed
		}
		b.out.puts(fmt.Sprintf("\b\b\b%2d ", delay))
	}
	b.out.puts("\n")
	return abort, nil
}

// sleep passes time on the board (a stall), unless it is switched off.
func (b *uboot) sleep(d time.Duration) {
	select {
	case <-b.ctx.Done():
	case <-time.After(d):
	}
}

// poll takes one waiting input byte, if any, without blocking.
func (b *uboot) poll() (byte, bool) {
	select {
	case c, ok := <-b.in:
		return c, ok
	default:
		return 0, false
	}
}

// ctrlc reports whether Ctrl-C was typed, discarding any other input, as
// U-Boot's ctrlc() does between the lines of a long command.
func (b *uboot) ctrlc() bool {
	if b.ctx.Err() != nil {
		return true // switched off
	}
	for {
		c, ok := b.poll()
		if !ok {
			return false
		}
		if c == ctrlC {
			return true
		}
	}
}

// readLine is U-Boot's line editor: echo, backspace, Ctrl-C, CR or LF.
func (b *uboot) readLine(ctx context.Context) (string, bool, error) {
	var buf []byte
	for {
		c, _, err := b.uart.key(ctx, 0)
		if err != nil {
			return "", false, err
		}
		switch {
		case c == '\r' || c == '\n':
			b.out.puts("\n")
			return string(buf), false, nil
		case c == ctrlC:
			return "", true, nil
		case c == '\b' || c == 0x7f:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				b.out.puts("\b \b")
			}
		case c >= 0x20 && c != 0x7f:
			// Anything else is taken and echoed, noise included.
			if len(buf) < 1024 {
				buf = append(buf, c)
				b.out.putc(c)
			}
		}
		b.out.flush()
	}
}

// exec runs one command line; ok says whether it may be repeated. A
// command that resets the board panics with errReset, caught by run.
func (b *uboot) exec(ctx context.Context, line string, repeat bool) (ok bool, err error) {
	if cmds := strings.Split(line, ";"); len(cmds) > 1 {
		// The parser (1.1.x's run_command, 2023.01's hush) runs the
		// commands a line separates with ';' in turn; the line may be
		// repeated only if each may.
		ok = true
		for _, cmd := range cmds {
			one, err := b.exec(ctx, cmd, repeat)
			if err != nil {
				return false, err
			}
			ok = ok && one
		}
		return ok, nil
	}
	args := strings.Fields(line)
	if len(args) == 0 {
		return false, nil
	}
	name, size := args[0], 0
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name, size = name[:i], b.dataSize(name[i:])
	} else {
		size = 4
	}
	if b.fork != nil && slices.Contains(b.fork.lacks, name) || slices.Contains(b.cfg.Lacks, name) {
		name = "" // not in this build
	}
	switch name {
	case "md":
		return b.md(args, size, repeat), nil
	case "mw":
		return b.mw(args, size), nil
	case "cp":
		return b.cp(args, size), nil
	case "cmp":
		return b.cmp(args, size), nil
	case "crc32":
		if !b.cfg.NoCRC32 {
			return b.crc32(args), nil
		}
	case "printenv":
		return b.printenv(args), nil
	case "setenv":
		if len(args) == 3 && args[1] == "baudrate" {
			return false, b.setBaudrate(ctx, args[2])
		}
		b.setenv(args)
		return false, nil // setenv is not repeatable
	case "bdinfo":
		if b.fork != nil {
			b.fork.bdinfo(b)
			return true, nil
		}
		b.bdinfo()
		return true, nil
	case "version":
		if b.fork != nil {
			b.out.puts("\n" + b.version() + "\n") // 1.1.x names no compiler
			return true, nil
		}
		b.out.puts(b.version() + "\n\n")
		if b.cfg.Bits64 {
			b.out.puts("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\n")
		} else {
			b.out.puts("arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0\n")
		}
		b.out.puts("GNU ld (GNU Binutils for Debian) 2.40\n")
		return true, nil
	case "help", "?":
		if b.fork != nil {
			b.out.puts(b.fork.help)
			return true, nil
		}
		b.help()
		return true, nil
	case "mtd":
		b.mtd(args)
		return false, nil
	case "sf":
		if b.device("sf", 0) != nil {
			b.sf(args)
			return false, nil
		}
	case "nand":
		if b.device("nand", 0) != nil {
			b.nand(args)
			return false, nil
		}
	case "mmc":
		if b.device("mmc", 0) != nil {
			b.mmc(args)
			return false, nil
		}
	case "flinfo":
		b.flinfo()
		return true, nil
	case "protect":
		b.protect(args)
		return false, nil
	case "erase":
		b.erase(args)
		return false, nil
	case "loady", "loadx":
		return false, b.load(ctx, args)
	case "loads":
		return false, b.loads(ctx, args)
	case "bootm":
		if b.fork == nil && !b.cfg.NoBootm {
			b.bootm(args)
			return false, nil
		}
	case "go":
		return b.goCommand(args), nil
	case "reset":
		b.out.puts("resetting ...\n")
		b.out.flush()
		panic(errReset{})
	}
	b.out.puts(fmt.Sprintf("Unknown command '%s' - try 'help'\n", args[0]))
	return false, nil
}

// dataSize is cmd_get_data_size: the width a ".x" suffix names, or -1.
func (b *uboot) dataSize(suffix string) int {
	if len(suffix) < 2 {
		return 4
	}
	switch suffix[1] {
	case 'b':
		return 1
	case 'w':
		return 2
	case 'l':
		return 4
	case 'q':
		if b.cfg.Bits64 {
			return 8
		}
	}
	return -1
}

var usage = map[string]string{
	"md":    "md - memory display\n\nUsage:\nmd [.b, .w, .l, .q] address [# of objects]\n",
	"mw":    "mw - memory write (fill)\n\nUsage:\nmw [.b, .w, .l, .q] address value [count]\n",
	"cp":    "cp - memory copy\n\nUsage:\ncp [.b, .w, .l, .q] source target count\n",
	"cmp":   "cmp - memory compare\n\nUsage:\ncmp [.b, .w, .l, .q] addr1 addr2 count\n",
	"crc32": "crc32 - checksum calculation\n\nUsage:\ncrc32 address count [addr]\n    - compute CRC32 checksum [save at addr]\n",
}

func (b *uboot) hex(s string) uint64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 64)
	return v // hextoul: what does not parse is 0
}

// abortIfUnmapped resets the board, as a data abort on a bad address does.
func (b *uboot) abortIfUnmapped(addr, n uint64) {
	if b.mem.mapped(addr, n) {
		return
	}
	if b.cfg.Bits64 {
		b.out.puts("\"Synchronous Abort\" handler, esr 0x96000010\n")
	} else {
		b.out.puts("data abort\n")
	}
	b.out.puts(fmt.Sprintf("pc : [<4ff8a2d4>]\t   lr : [<4ff8a2b0>]\nfar: %08x\nResetting CPU ...\n\nresetting ...\n", addr))
	b.out.flush()
	panic(errReset{})
}

func (b *uboot) md(args []string, size int, repeat bool) bool {
	addr, length := b.mdAddr, b.mdLength
	if len(args) < 2 {
		b.out.puts(usage["md"])
		return false
	}
	if !repeat {
		if size < 0 {
			return false
		}
		addr = b.hex(args[1])
		if len(args) > 2 {
			length = b.hex(args[2])
		}
	} else {
		size = b.mdSize
	}
	bytes := length * uint64(size)
	b.abortIfUnmapped(addr, bytes)
	b.printBuffer(addr, size, length)
	b.mdAddr, b.mdSize, b.mdLength = addr+bytes, size, length
	return true
}

// printBuffer formats memory as U-Boot's print_buffer() does: 16 bytes a
// line, units in CPU order, then the ASCII column.
func (b *uboot) printBuffer(addr uint64, width int, count uint64) {
	perLine := uint64(16 / width)
	var raw [16]byte
	var text []byte
	for count > 0 {
		units := min(count, perLine)
		n := int(units) * width
		b.faults.beforeLine(b.out, b.sleep)
		b.mem.read(addr, raw[:n])
		text = text[:0]
		text = appendHexPadded(text, addr, addrDigits(addr))
		text = append(text, ':')
		for i := 0; i < n; i += width {
			text = append(text, ' ')
			text = appendHexPadded(text, b.unit(raw[i:i+width]), 2*width)
		}
		if !b.cfg.OldLayout {
			for i := (perLine - units) * uint64(2*width+1); i > 0; i-- {
				text = append(text, ' ')
			}
			text = append(text, "  "...)
		} else {
			text = append(text, "    "...)
		}
		for _, c := range raw[:n] {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			text = append(text, c)
		}
		text = append(text, '\n')
		b.out.write(text)
		addr += uint64(n)
		count -= units
		if b.ctrlc() {
			return
		}
	}
}

func addrDigits(addr uint64) int {
	if addr > 0xffffffff {
		return 16
	}
	return 8
}

// unit reads one unit as the CPU would.
func (b *uboot) unit(p []byte) uint64 {
	var order binary.ByteOrder = binary.LittleEndian
	if b.cfg.BigEndian {
		order = binary.BigEndian
	}
	return unitValue(p, order)
}

func (b *uboot) putUnit(p []byte, v uint64) {
	var order binary.ByteOrder = binary.LittleEndian
	if b.cfg.BigEndian {
		order = binary.BigEndian
	}
	switch len(p) {
	case 1:
		p[0] = byte(v)
	case 2:
		order.PutUint16(p, uint16(v))
	case 4:
		order.PutUint32(p, uint32(v))
	default:
		order.PutUint64(p, v)
	}
}

const hexDigits = "0123456789abcdef"

func appendHexPadded(dst []byte, v uint64, digits int) []byte {
	var buf [16]byte
	i := len(buf)
	for v != 0 || i == len(buf) {
		i--
		buf[i] = hexDigits[v&0xf]
		v >>= 4
	}
	for len(buf)-i < digits {
		dst = append(dst, '0')
		digits--
	}
	return append(dst, buf[i:]...)
}

// argsOK is how the memory commands start: a width U-Boot knows (else
// nothing is printed at all) and enough arguments (else the usage).
func (b *uboot) argsOK(args []string, name string, need, size int) bool {
	if size < 0 {
		return false
	}
	if len(args) < need {
		b.out.puts(usage[name])
		return false
	}
	return true
}

func (b *uboot) mw(args []string, size int) bool {
	if !b.argsOK(args, "mw", 3, size) {
		return false
	}
	addr, value, count := b.hex(args[1]), b.hex(args[2]), uint64(1)
	if len(args) > 3 {
		count = b.hex(args[3])
	}
	b.abortIfUnmapped(addr, count*uint64(size))
	unit := make([]byte, size)
	b.putUnit(unit, value)
	fill := make([]byte, 0, min(count, 1<<16)*uint64(size))
	for len(fill) < cap(fill) {
		fill = append(fill, unit...)
	}
	for count > 0 {
		n := min(count, uint64(len(fill)/size))
		b.mem.write(addr, fill[:n*uint64(size)])
		addr += n * uint64(size)
		count -= n
	}
	return true
}

func (b *uboot) cp(args []string, size int) bool {
	if !b.argsOK(args, "cp", 4, size) {
		return false
	}
	src, dst, n := b.hex(args[1]), b.hex(args[2]), b.hex(args[3])*uint64(size)
	b.abortIfUnmapped(src, n)
	b.abortIfUnmapped(dst, n)
	buf := make([]byte, n)
	b.mem.read(src, buf)
	if b.mem.inFlash(dst) {
		b.program(dst, buf)
		return false
	}
	b.mem.write(dst, buf)
	return true
}

func (b *uboot) cmp(args []string, size int) bool {
	if !b.argsOK(args, "cmp", 4, size) {
		return false
	}
	a1, a2, count := b.hex(args[1]), b.hex(args[2]), b.hex(args[3])
	b.abortIfUnmapped(a1, count*uint64(size))
	b.abortIfUnmapped(a2, count*uint64(size))
	kind := map[int]string{1: "byte", 2: "halfword", 4: "word", 8: "double word"}[size]
	u1, u2 := make([]byte, size), make([]byte, size)
	var same uint64
	for ; same < count; same++ {
		b.mem.read(a1, u1)
		b.mem.read(a2, u2)
		if v1, v2 := b.unit(u1), b.unit(u2); v1 != v2 {
			b.out.puts(fmt.Sprintf("%s at 0x%08x (0x%0*x) != %s at 0x%08x (0x%0*x)\n", kind, a1, 2*size, v1, kind, a2, 2*size, v2))
			break
		}
		a1 += uint64(size)
		a2 += uint64(size)
	}
	if b.fork != nil {
		// 1.1.x: "Total of 4096 bytes were the same"
		plural := "s"
		if same == 1 {
			plural = ""
		}
		b.out.puts(fmt.Sprintf("Total of %d %s%s were the same\n", same, kind, plural))
		return same == count
	}
	b.out.puts(fmt.Sprintf("Total of %d %s(s) were the same\n", same, kind))
	return same == count
}

func (b *uboot) crc32(args []string) bool {
	if len(args) < 3 {
		b.out.puts(usage["crc32"])
		return false
	}
	addr, n := b.hex(args[1]), b.hex(args[2])
	if n > 0 {
		b.abortIfUnmapped(addr, n) // no bytes: nothing read
	}
	h := crc32.NewIEEE()
	buf := make([]byte, 64<<10)
	for done := uint64(0); done < n; {
		k := min(n-done, uint64(len(buf)))
		b.mem.read(addr+done, buf[:k])
		h.Write(buf[:k])
		done += k
	}
	format := "crc32 for %08x ... %08x ==> %08x\n"
	if b.fork != nil {
		format = "CRC32 for %08x ... %08x ==> %08x\n" // 1.1.x
	}
	end := addr + n - 1 // a long: no bytes at 0 end at the top
	if !b.cfg.Bits64 {
		end = uint64(uint32(end))
	}
	b.out.puts(fmt.Sprintf(format, addr, end, h.Sum32()))
	return true
}

func (b *uboot) printenv(args []string) bool {
	if len(args) == 1 {
		keys := make([]string, 0, len(b.env))
		size := 0
		for k, v := range b.env {
			keys = append(keys, k)
			size += len(k) + len(v) + 2
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.out.puts(k + "=" + b.env[k] + "\n")
		}
		b.out.puts(fmt.Sprintf("\nEnvironment size: %d/262140 bytes\n", size))
		return true
	}
	ok := true
	for _, k := range args[1:] {
		if v, found := b.env[k]; found {
			b.out.puts(k + "=" + v + "\n")
		} else {
			b.out.puts(fmt.Sprintf("## Error: \"%s\" not defined\n", k))
			ok = false
		}
	}
	return ok
}

func (b *uboot) setenv(args []string) bool {
	if len(args) < 2 {
		b.out.puts("setenv - set environment variables\n\nUsage:\nsetenv [-f] name value ...\n    - [forcibly] set environment variable 'name' to 'value ...'\nsetenv [-f] name\n    - [forcibly] delete environment variable 'name'\n")
		return false
	}
	if len(args) == 2 {
		delete(b.env, args[1])
	} else {
		b.env[args[1]] = strings.Join(args[2:], " ")
	}
	return true
}

// bdinfo prints the board information as U-Boot 2023.01 on QEMU's virt
// board does; addresses are as wide as the build's longs.
// rate is the board's line rate as its environment shows it.
func (b *uboot) rate() int {
	if b.cfg.Baud > 0 {
		return b.cfg.Baud
	}
	return 115200
}

// setBaudrate is U-Boot's baudrate callback: a rate from the table is
// announced, switched to, and confirmed by a CR typed at the new rate.
func (b *uboot) setBaudrate(ctx context.Context, value string) error {
	n, _ := strconv.Atoi(value)
	if strconv.Itoa(n) == b.env["baudrate"] {
		return nil
	}
	if !slices.Contains(b.cfg.BaudRates, n) {
		b.out.puts(fmt.Sprintf("## Baudrate %d bps not supported\n", n))
		b.out.puts("## Error inserting \"baudrate\" variable, errno=22\n")
		return nil
	}
	b.out.puts(fmt.Sprintf("## Switch baudrate to %d bps and press ENTER ...\n", n))
	if b.cfg.Baud > 0 {
		b.out.setBaud(n)
	}
	b.out.flush()
	for {
		c, ok, err := b.uart.key(ctx, 0)
		if err != nil {
			return err
		}
		if ok && c == '\r' {
			b.env["baudrate"] = strconv.Itoa(n)
			return nil
		}
	}
}

func (b *uboot) bdinfo() {
	w := 8
	if b.cfg.Bits64 {
		w = 16
	}
	row := func(name string, v uint64) {
		b.out.puts(fmt.Sprintf("%-12s= 0x%0*x\n", name, w, v))
	}
	text := func(name, v string) { b.out.puts(fmt.Sprintf("%-12s= %s\n", name, v)) }
	row("boot_params", 0)
	row("DRAM bank", 0)
	row("-> start", ramBase)
	row("-> size", ramSize)
	row("flashstart", 0)
	row("flashsize", 0x04000000)
	row("flashoffset", 0x000ed228)
	text("baudrate", b.env["baudrate"]+" bps")
	row("relocaddr", 0x4fef7000)
	row("reloc off", 0x4fef7000)
	text("Build", map[bool]string{false: "32-bit", true: "64-bit"}[b.cfg.Bits64])
	text("current eth", "unknown")
	text("ethaddr", "(not set)")
	text("IP addr", "<NULL>")
	row("fdt_blob", 0x4edb6db0)
	row("new_fdt", 0x4edb6db0)
	row("fdt_size", 0x00100000)
	b.out.puts("lmb_dump_all:\n memory.cnt  = 0x1\n")
	b.out.puts(fmt.Sprintf(" memory[0]\t[0x%x-0x%x], 0x%08x bytes flags: 0\n", ramBase, ramBase+ramSize-1, ramSize))
	b.out.puts(" reserved.cnt  = 0x2\n")
	b.out.puts(" reserved[0]\t[0x4ddb2000-0x4fffffff], 0x0224e000 bytes flags: 0\n")
	b.out.puts(" reserved[1]\t[0x4edb2930-0x4fffffff], 0x0124d6d0 bytes flags: 0\n")
	text("devicetree", "board")
	row("arch_number", 0)
	row("TLB addr", 0x4fff0000)
	row("irq_sp", 0x4edb6da0)
	row("sp start", 0x4edb6da0)
	b.out.puts("Early malloc usage: 3a8 / 2000\n")
}

func (b *uboot) help() {
	cmds := [][2]string{
		{"?", "alias for 'help'"}, {"bdinfo", "print Board Info structure"},
		{"bootm", "boot application image from memory"},
		{"cmp", "memory compare"}, {"cp", "memory copy"}, {"crc32", "checksum calculation"},
		{"go", "start application at address 'addr'"}, {"help", "print command description/usage"}, {"md", "memory display"},
		{"mw", "memory write (fill)"}, {"printenv", "print environment variables"},
		{"reset", "Perform RESET of the CPU"}, {"setenv", "set environment variables"},
		{"version", "print monitor, compiler and linker version"},
	}
	for _, c := range cmds {
		if c[0] == "bootm" && b.cfg.NoBootm {
			continue
		}
		b.out.puts(fmt.Sprintf("%-10s- %s\n", c[0], c[1]))
	}
}
