package sim

import (
	"fmt"
	"strings"
)

// norSector is the erase block of the simulated NOR flash (as QEMU's CFI
// flash has: flinfo shows 128 KiB sectors).
const norSector = 0x20000

// norRange reads the range arguments of protect and erase: START +LEN
// (rounded up to whole sectors) or START END. It reports the sectors, as
// offsets in the flash, and whether they are all in it.
func (b *uboot) norRange(startArg, endArg string) (first, last uint64, ok bool) {
	start := b.hex(startArg)
	var end uint64
	if strings.HasPrefix(endArg, "+") {
		n := b.hex(endArg[1:])
		if n == 0 {
			return 0, 0, false
		}
		end = start + n - 1
	} else {
		end = b.hex(endArg)
	}
	base, size := b.mem.flashBase, uint64(len(b.mem.flash))
	if start < base || end >= base+size || end < start || (start-base)%norSector != 0 {
		return 0, 0, false
	}
	return (start - base) / norSector * norSector, (end - base) / norSector * norSector, true
}

// protect is protect on|off START +LEN | START END | all.
func (b *uboot) protect(args []string) {
	if len(args) < 3 || (args[1] != "on" && args[1] != "off") {
		b.out.puts("protect - enable or disable FLASH write protection\n\nUsage:\nprotect on  start end\n    - protect FLASH from addr 'start' to addr 'end'\nprotect off start end\n    - make FLASH from addr 'start' to addr 'end' writable\n")
		return
	}
	on := args[1] == "on"
	if args[2] == "all" {
		for s := uint64(0); s < uint64(len(b.mem.flash)); s += norSector {
			b.protected[s] = on
		}
		b.out.puts(map[bool]string{true: "Protect", false: "Un-Protect"}[on] + " Flash Bank # 1\n")
		return
	}
	if len(args) < 4 {
		b.out.puts("protect - enable or disable FLASH write protection\n")
		return
	}
	first, last, ok := b.norRange(args[2], args[3])
	if !ok {
		b.out.puts("Bad address format\n")
		return
	}
	n := 0
	for s := first; s <= last; s += norSector {
		b.protected[s] = on
		n++
	}
	b.out.puts(fmt.Sprintf("%s %d sectors\n", map[bool]string{true: "Protected", false: "Un-Protected"}[on], n))
}

// erase sets whole sectors to 0xFF, except protected ones.
func (b *uboot) erase(args []string) {
	if len(args) != 3 {
		b.out.puts("erase - erase FLASH memory\n\nUsage:\nerase start end\n    - erase FLASH from addr 'start' to addr 'end'\nerase start +len\n    - erase FLASH from addr 'start' to the end of sect w/addr 'start'+'len'-1\n")
		return
	}
	first, last, ok := b.norRange(args[1], args[2])
	if !ok {
		b.out.puts("Error: start and/or end address not on sector boundary\n")
		return
	}
	protected := 0
	for s := first; s <= last; s += norSector {
		if b.protected[s] {
			protected++
		}
	}
	if protected > 0 {
		b.out.puts(fmt.Sprintf("- Warning: %d protected sectors will not be erased!\n", protected))
	} else {
		b.out.puts("\n")
	}
	n := 0
	for s := first; s <= last; s += norSector {
		n++
		if b.protected[s] {
			continue
		}
		// The chips erase their own unit, which may hold more than the
		// sector asked for.
		unit := max(b.cfg.EraseUnit, norSector)
		b.sleep(b.cfg.EraseTime)
		for i := s / unit * unit; i < s/unit*unit+unit && i < uint64(len(b.mem.flash)); i++ {
			b.mem.flash[i] = 0xff
		}
		b.out.putc('.')
		b.out.flush()
	}
	b.out.puts(fmt.Sprintf(" done\nErased %d sectors\n", n))
}

// program writes to NOR flash as its program command does: bits can only
// go from 1 to 0, so data written over data that is not erased is ANDed.
func (b *uboot) program(dst uint64, data []byte) {
	b.out.puts("Copy to Flash... ")
	dst, _ = b.mem.canon(dst) // KSEG0 or KSEG1: the same flash
	off := dst - b.mem.flashBase
	for s := off / norSector * norSector; s < off+uint64(len(data)); s += norSector {
		if b.protected[s] {
			b.out.puts("Can't write to protected Flash sectors\n")
			return
		}
	}
	b.out.flush()
	b.sleep(b.cfg.ProgramTime)
	for i, c := range data {
		b.mem.flash[off+uint64(i)] &= c
	}
	b.out.puts("done\n")
}

// flinfo lists the mapped flash as U-Boot's flash command does.
func (b *uboot) flinfo() {
	size := uint64(len(b.mem.flash))
	b.out.puts(fmt.Sprintf("\nBank # 1: CFI conformant flash (16 x 16)  Size: %d MB in %d Sectors\n", size>>20, size/norSector))
	b.out.puts("  Intel Extended command set, Manufacturer ID: 0x89, Device ID: 0x0018\n  Erase timeout: 16384 ms, write timeout: 3 ms\n")
	b.out.puts("  Buffer write timeout: 3 ms, buffer size: 2048 bytes\n\n  Sector Start Addresses:")
	for i, s := 0, uint64(0); s < size; i, s = i+1, s+norSector {
		if i%5 == 0 {
			b.out.puts("\n  ")
		}
		ro := "     "
		if b.protected[s] {
			ro = "  RO "
		}
		b.out.puts(fmt.Sprintf("%08X%s   ", b.mem.flashBase+s, ro))
	}
	b.out.puts("\n")
}
