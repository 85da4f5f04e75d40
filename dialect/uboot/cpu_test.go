package uboot

import (
	"encoding/binary"
	"strings"
	"testing"
)

// bdinfo of Debian's qemu-riscv64_smode U-Boot 2023.01 under OpenSBI
// (QEMU virt, -m 256), as it printed it: OpenSBI's 512 KiB are reserved
// at the start of RAM.
const bdinfoSMode = `boot_params = 0x0000000000000000
DRAM bank   = 0x0000000000000000
-> start    = 0x0000000080000000
-> size     = 0x0000000010000000
flashstart  = 0x0000000020000000
flashsize   = 0x0000000002000000
flashoffset = 0x0000000000000000
baudrate    = 115200 bps
relocaddr   = 0x000000008ff57000
reloc off   = 0x000000000fd57000
Build       = 64-bit
lmb_dump_all:
 memory.cnt  = 0x1
 memory[0]	[0x80000000-0x8fffffff], 0x10000000 bytes flags: 0
 reserved.cnt  = 0x3
 reserved[0]	[0x80000000-0x8007ffff], 0x00080000 bytes flags: 0
 reserved[1]	[0x8e731000-0x8fffffff], 0x018cf000 bytes flags: 0
 reserved[2]	[0x8f7344d0-0x8fffffff], 0x008cbb30 bytes flags: 0
devicetree  = board`

// bdinfo of Debian's malta64el U-Boot 2023.01 on QEMU's Malta board.
const bdinfoMalta64 = `boot_params = 0xffffffff8ff719c0
DRAM bank   = 0x0000000000000000
-> start    = 0xffffffff80000000
-> size     = 0x0000000010000000
flashstart  = 0xffffffffbe000000
flashsize   = 0x0000000000400000
relocaddr   = 0xffffffff8ffb0000
Build       = 64-bit
lmb_dump_all:
 reserved[2]	[0xffffffff8ff6db90-0xffffffff8fffffff], 0x00092470 bytes flags: 0`

// bdinfo of a 1.1.x MIPS build (lib_mips's do_bdinfo: no relocaddr, no
// lmb): the MediaTek/Ralink SDK's on an MT7628 with 64 MiB.
const bdinfo11 = `boot_params = 0x83FB3FB0
memstart    = 0x80000000
memsize     = 0x04000000
flashstart  = 0xBC000000
flashsize   = 0x00800000
flashoffset = 0x00030000
ethaddr     = 00:AA:BB:CC:DD:10
ip_addr     = 10.10.10.123
baudrate    = 57600 bps`

func TestMemoryMap(t *testing.T) {
	for _, tc := range []struct {
		name, bdinfo      string
		gd                uint64
		lo, hi            uint64
		ok                bool
		ramStart, ramSize uint64
		reloc, flash      uint64
		bits64            bool
	}{
		// U-Boot's area is the reserved one that holds relocaddr, never
		// OpenSBI's at the start of RAM.
		{"riscv64 S-mode", bdinfoSMode, 0x8f736df0, 0x8e731000, 0x90000000, true, 0x80000000, 0x10000000, 0x8ff57000, 0x20000000, true},
		{"malta64el", bdinfoMalta64, 0xffffffff8ff6fdf0, 0xffffffff8ff6db90, 0xffffffff90000000, true, 0xffffffff80000000, 0x10000000, 0xffffffff8ffb0000, 0xffffffffbe000000, true},
		// 1.1.x lists no area: from gd to the top of RAM.
		{"1.1.x", bdinfo11, 0x83f57f98, 0x83f57f98, 0x84000000, true, 0x80000000, 0x04000000, 0, 0xbc000000, false},
		{"1.1.x, gd outside RAM", bdinfo11, 0x90000000, 0, 0, false, 0x80000000, 0x04000000, 0, 0xbc000000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseBdinfo(strings.Split(tc.bdinfo, "\n"))
			if !m.haveRAM || m.ramStart != tc.ramStart || m.ramSize != tc.ramSize || m.reloc != tc.reloc || m.flashStart != tc.flash || m.bits64 != tc.bits64 {
				t.Fatalf("parsed %+v", m)
			}
			lo, hi, ok := m.ubootArea(tc.gd)
			if lo != tc.lo || hi != tc.hi || ok != tc.ok {
				t.Fatalf("U-Boot's area %#x..%#x (%v), want %#x..%#x (%v)", lo, hi, ok, tc.lo, tc.hi, tc.ok)
			}
		})
	}
}

func TestUncached(t *testing.T) {
	for _, tc := range []struct {
		in, want uint64
		ok       bool
	}{
		{0x81200000, 0xa1200000, true},
		{0xa1200000, 0xa1200000, true},
		{0x9f000000, 0xbf000000, true},
		{0xffffffff81200000, 0xffffffffa1200000, true},
		{0x40000000, 0, false}, // not MIPS's segments
		{0x0000000081200000, 0xa1200000, true},
	} {
		got, err := uncached(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("uncached(%#x) = %#x, %v", tc.in, got, err)
		}
	}
}

// The compiler 2023.01's version names tells the byte order; a line that
// names none leaves it to the reads.
func TestCompilerOrder(t *testing.T) {
	for _, tc := range []struct {
		line string
		want binary.ByteOrder
	}{
		{"mipsel-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", binary.LittleEndian},
		{"aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", binary.LittleEndian},
		{"powerpc-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", binary.BigEndian},
		{"mips-openwrt-linux-gcc (OpenWrt GCC 8.4.0) 8.4.0", binary.BigEndian},
		{"GNU ld (GNU Binutils for Debian) 2.40", nil},
	} {
		lines := []string{"U-Boot 2023.01 (Jan 09 2023 - 12:00:00 +0000)", "", tc.line}
		if got := compilerOrder(lines); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.line, got, tc.want)
		}
	}
}
