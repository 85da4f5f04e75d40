package sim

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// The simulated U-Boot's memory commands (md, mw, cp, cmp, crc32),
// formatted as cmd/mem.c and print_buffer() do.

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
