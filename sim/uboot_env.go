package sim

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The simulated U-Boot's environment and board information: printenv,
// setenv (a baud-rate change among them), bdinfo and help.

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
	uartRate := n
	if b.fork != nil && b.fork.soc != nil && b.fork.soc.fixedRate {
		uartRate = b.rate() // serial_setbrg sets CONFIG_BAUDRATE again
	}
	if b.cfg.Baud > 0 {
		b.out.setBaud(uartRate)
	}
	if b.uartReg != nil {
		b.uartReg.divisor = b.uartReg.divisorFor(uartRate) // as the driver's setbrg does
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
