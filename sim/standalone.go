package sim

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"time"
)

// What U-Boot 2023.01's bootm and go do with a program in RAM
// (boot/bootm.c, boot/image-legacy.c, cmd/boot.c), as the real
// qemu_arm64 build prints it. The only programs this board can run are
// bootdump's binary readers, which reader.go emulates; any other code
// crashes it.

// legacy uImage header fields (include/image.h)
const (
	uimageMagic      = 0x27051956
	uimageOSUBoot    = 17
	uimageStandalone = 1
	uimageNoComp     = 0
)

// archNames are genimg_get_arch_name's words for the architectures a
// legacy image names.
var archNames = map[byte]string{2: "ARM", 5: "MIPS", 22: "AArch64", 26: "RISC-V"}

// cpuArch is the image architecture this board's CPU runs.
func (b *uboot) cpuArch() byte {
	if b.cfg.Bits64 {
		return 22
	}
	return 2
}

// bootm boots the legacy image at its argument (default loadaddr). It
// runs a standalone program only when autostart is yes, and then twice:
// bootm's prep and go states each call it.
func (b *uboot) bootm(args []string) {
	addr := b.hex(b.env["loadaddr"])
	if len(args) > 1 {
		addr = b.hex(args[1])
	}
	b.abortIfUnmapped(addr, 64)
	h := make([]byte, 64)
	b.mem.read(addr, h)
	be := binary.BigEndian
	if be.Uint32(h) != uimageMagic {
		b.out.puts("Wrong Image Format for bootm command\nERROR: can't get kernel image!\n")
		return
	}
	b.out.puts(fmt.Sprintf("## Booting kernel from Legacy Image at %08x ...\n", addr))
	sum := be.Uint32(h[4:])
	hc := append([]byte(nil), h...)
	clear(hc[4:8])
	if crc32.ChecksumIEEE(hc) != sum {
		b.out.puts("Bad Header Checksum\nERROR: can't get kernel image!\n")
		return
	}
	size, load, entry := be.Uint32(h[12:]), uint64(be.Uint32(h[16:])), uint64(be.Uint32(h[20:]))
	osType, arch, kind, comp := h[28], h[29], h[30], h[31]
	name := strings.TrimRight(string(h[32:]), "\x00")
	kindName := map[byte]string{uimageStandalone: "Standalone Program", 2: "Kernel Image"}[kind]
	osName := map[byte]string{uimageOSUBoot: "U-Boot", 5: "Linux"}[osType]
	b.out.puts("   Image Name:   " + name + "\n")
	created := time.Unix(int64(be.Uint32(h[8:])), 0).UTC()
	b.out.puts(fmt.Sprintf("   Created:      %4d-%02d-%02d  %2d:%02d:%02d UTC\n", created.Year(), created.Month(), created.Day(),
		created.Hour(), created.Minute(), created.Second()))
	b.out.puts(fmt.Sprintf("   Image Type:   %s %s %s (%s)\n", archNames[arch], osName, kindName, map[byte]string{0: "uncompressed"}[comp]))
	b.out.puts(fmt.Sprintf("   Data Size:    %d Bytes = %s\n", size, ubootSize(uint64(size))))
	b.out.puts(fmt.Sprintf("   Load Address: %08x\n   Entry Point:  %08x\n", load, entry))
	b.out.puts("   Verifying Checksum ... ")
	b.abortIfUnmapped(addr+64, uint64(size))
	data := make([]byte, size)
	b.mem.read(addr+64, data)
	if crc32.ChecksumIEEE(data) != be.Uint32(h[24:]) {
		b.out.puts("Bad Data CRC\nERROR: can't get kernel image!\n")
		return
	}
	b.out.puts("OK\n")
	if arch != b.cpuArch() {
		b.out.puts(fmt.Sprintf("Unsupported Architecture 0x%x\nERROR: can't get kernel image!\n", arch))
		return
	}
	if kind != uimageStandalone || comp != uimageNoComp {
		b.out.puts("ERROR: this board boots nothing but standalone programs\n")
		return
	}
	b.out.puts("   Loading Standalone Program\n")
	b.abortIfUnmapped(load, uint64(size))
	b.mem.write(load, data)
	b.mem.flushRange(load, uint64(size)) // bootm_load_os flushes what it loaded
	b.env["filesize"] = fmt.Sprintf("%x", size)
	if b.env["autostart"] != "yes" {
		return
	}
	for range 2 {
		b.runProgram(entry, int(size))
	}
}

// goCommand is go ADDR: it flushes the console, calls the program and
// prints its return value. On a PL011 the flush never ends (QEMU's virt
// board under U-Boot 2023.01 loops reading the UART's flag register): the
// board hangs until it is reset.
func (b *uboot) goCommand(args []string) bool {
	if len(args) < 2 {
		b.out.puts("go - start application at address 'addr'\n\nUsage:\ngo addr [arg ...]\n")
		return false
	}
	addr := b.hex(args[1])
	b.out.puts(fmt.Sprintf("## Starting application at 0x%08X ...\n", addr))
	if b.fork == nil && strings.HasPrefix(b.console(), "pl011") {
		for {
			b.uart.key(b.ctx, 0) // stuck: only a reset or power cycle ends it
			if b.ctx.Err() != nil {
				return false
			}
		}
	}
	rc := b.runProgram(addr, 64<<10)
	if !b.cfg.Bits64 {
		rc &= 0xffffffff
	}
	b.out.puts(fmt.Sprintf("## Application terminated, rc = 0x%X\n", rc))
	return false
}

// console is the UART driver's device name, as the banner's In: line
// and the stdin variable show it.
func (b *uboot) console() string {
	switch {
	case b.cfg.Console != "":
		return b.cfg.Console
	case b.fork != nil:
		return "serial" // 1.1.x's console device
	}
	return "pl011@9000000"
}

// runProgram calls the code at entry (at most max bytes of it) and
// returns what it returns. A reader for this CPU runs; anything else
// crashes the board, as a jump into unknown code does.
func (b *uboot) runProgram(entry uint64, max int) uint64 {
	r, ok := b.readerAt(entry, max)
	if !ok {
		b.crash(entry)
	}
	return r.run()
}

// crash is what a jump into code the CPU cannot run ends in. 1.1.x on
// MIPS has no exception handler to speak of (cpu/mips/start.S's vectors
// branch to themselves): the board hangs, silent, until it is reset or
// switched off.
func (b *uboot) crash(pc uint64) {
	if b.fork != nil {
		b.out.flush()
		for b.ctx.Err() == nil {
			b.uart.key(b.ctx, 0) // a watchdog or a power cycle resets it
		}
		panic(errReset{})
	}
	if b.cfg.Bits64 {
		b.out.puts("\"Synchronous Abort\" handler, esr 0x02000000\n")
	} else {
		b.out.puts("undefined instruction\n")
	}
	b.out.puts(fmt.Sprintf("elr: %016x lr : %016x\nResetting CPU ...\n\nresetting ...\n", pc, pc))
	b.out.flush()
	panic(errReset{})
}

// ubootSize is lib/display_options.c's print_size: whole units, or one
// decimal place when there is a fraction.
func ubootSize(n uint64) string {
	units := []string{"Bytes", "KiB", "MiB", "GiB"}
	d, i := uint64(1), 0
	for i+1 < len(units) && n >= d<<10 {
		d <<= 10
		i++
	}
	whole, frac := n/d, uint64(0)
	if i > 0 {
		frac = (10*(n-whole*d) + d/2) / d
		if frac >= 10 {
			whole, frac = whole+1, frac-10
		}
	}
	if frac == 0 {
		return fmt.Sprintf("%d %s", whole, units[i])
	}
	return fmt.Sprintf("%d.%d %s", whole, frac, units[i])
}
