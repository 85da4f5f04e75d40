package sim

import (
	"context"
	"fmt"
)

// fork is a vendor's build of an old U-Boot release (1.1.x), where it
// differs from 2023.01: its boot (banner, menu or keyed countdown), its
// serial driver, the commands it lacks and the words of those it has.
// md prints as 1.1.x's print_buffer does: four spaces before the ASCII
// column, a short last line not padded (the personality sets OldLayout).
type fork struct {
	version string
	lfcr    bool // the serial driver sends CR after LF
	boot    func(b *uboot, ctx context.Context) (stopped bool, err error)
	lacks   []string
	help    string
	env     map[string]string
	soc     *soc
}

// registerFork registers a personality that runs U-Boot fork f.
func registerFork(name string, p personality, f *fork) {
	p.boot = func(parts *parts) firmware { return newUBoot(parts, f) }
	register(name, p)
}

// bdinfo is 1.1.x's on MIPS: names and values, no DRAM bank table.
func (f *fork) bdinfo(b *uboot) {
	row := func(name string, v uint64) { b.out.puts(fmt.Sprintf("%-12s= 0x%08X\n", name, v)) }
	row("boot_params", b.mem.ramBase+b.mem.ramSize-0x8c050)
	row("memstart", b.mem.ramBase)
	row("memsize", b.mem.ramSize)
	row("flashstart", b.mem.flashBase)
	row("flashsize", uint64(len(b.mem.flash)))
	row("flashoffset", 0x00030000)
	b.out.puts(fmt.Sprintf("%-12s= %s\n%-12s= %s\n%-12s= %s bps\n", "ethaddr", b.env["ethaddr"], "ip_addr", b.env["ipaddr"], "baudrate", b.env["baudrate"]))
}
