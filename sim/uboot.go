package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"strconv"
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
	if f != nil && f.soc != nil {
		var order binary.ByteOrder = binary.LittleEndian
		if cfg.BigEndian {
			order = binary.BigEndian
		}
		p.mem.regs = f.soc.regsIn(order)
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

	uartReg *uartModel // the console's UART, set for the power-on rate; nil on 1.1.x
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
		b.uartReg = consoleUART(b.cfg, b.console(), b.rate())
	} else if b.fork.soc != nil {
		b.uartReg = b.fork.soc.uart(b.rate())
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
