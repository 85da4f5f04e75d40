package sim

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/binreader"
)

// The console's UART as 2023.01's device tree describes it and its
// registers hold it: a PL011 (QEMU's virt board's, 24 MHz) or a 16550
// (serial@..., the clock Config.UARTClock), whose divisor sets the line's
// rate; on 1.1.x's MIPS SoCs, the UART the SoC has where its vendor's
// U-Boot left it (see soc). U-Boot's driver sets the divisor for the
// power-on rate.

// uartModel is the console's UART.
type uartModel struct {
	kind    int // binreader.UART16550, UARTPL011 or UARTAR933x
	base    uint64
	path    string // its node in the device tree; "" on 1.1.x
	clock   uint64
	divisor uint32 // 16550: DLM << 8 | DLL; PL011: IBRD << 6 | FBRD; AR933x: scale << 16 | step
	cuts    bool   // the driver cuts the divisor short (Ralink's SDK) where others round it
}

// soc is a 1.1.x fork's SoC as a host can see it: registers md reads
// (its ID, its UARTs' line control), at their KSEG1 addresses, and the
// console's UART.
type soc struct {
	regs map[uint64]uint32
	uart func(rate int) *uartModel
	// fixedRate: the serial driver sets the build's CONFIG_BAUDRATE, not
	// the baudrate variable (the MediaTek/Ralink SDK's serial_setbrg), so
	// setenv baudrate announces a switch its UART never makes.
	fixedRate bool
}

// regsIn are the SoC's registers as bytes in the CPU's order.
func (c *soc) regsIn(order binary.ByteOrder) map[uint64][4]byte {
	m := map[uint64][4]byte{}
	for a, v := range c.regs {
		var b [4]byte
		order.PutUint32(b[:], v)
		m[a] = b
	}
	return m
}

// consoleUART is the UART the console names (pl011@9000000 unless
// Config.Console says otherwise), set for rate; nil for a console that is
// no device tree node (1.1.x's "serial").
func consoleUART(cfg Config, console string, rate int) *uartModel {
	name, unit, ok := strings.Cut(console, "@")
	base, err := strconv.ParseUint(unit, 16, 64)
	if !ok || err != nil {
		return nil
	}
	u := &uartModel{kind: binreader.UART16550, base: base, path: "/soc/" + console, clock: cfg.UARTClock}
	if name == "pl011" {
		u.kind, u.path, u.clock = binreader.UARTPL011, "/"+console, 24000000
	}
	if u.clock == 0 {
		u.clock = 14745600
	}
	u.divisor = u.divisorFor(rate)
	return u
}

// divisorFor is the divisor U-Boot's driver sets for rate: a 16550's
// divides the clock by 16 d, a PL011's by d / 4 (IBRD.FBRD in 64ths).
func (u *uartModel) divisorFor(rate int) uint32 {
	switch {
	case u.kind == binreader.UARTPL011:
		return uint32(math.Round(float64(u.clock) * 4 / float64(rate)))
	case u.kind == binreader.UARTAR933x:
		return ar933xSetting(u.clock, rate)
	case u.cuts:
		return uint32(u.clock / 16 / uint64(rate))
	}
	return uint32(math.Round(float64(u.clock) / 16 / float64(rate)))
}

// ar933xSetting is the clock register Atheros's U-Boot sets for rate on
// an AR933x with reference clock ref: of the scales 0 to 254, the first
// whose step (cut short, at most 0x3333) comes nearest.
func ar933xSetting(ref uint64, rate int) uint32 {
	var setting uint32
	least := uint64(rate)
	for scale := uint64(0); scale < 0xff; scale++ {
		step := uint64(rate) * (scale + 1) << 17 / ref
		if step > 0x3333 {
			break
		}
		got := ar933xRate(ref, scale, step)
		off := max(got, uint64(rate)) - min(got, uint64(rate))
		if off < least {
			least, setting = off, uint32(scale<<16|step)
		}
	}
	return setting
}

// ar933xRate is an AR933x's rate, rounded as its U-Boot computes it.
func ar933xRate(ref, scale, step uint64) uint64 {
	unit := (scale + 1) << 17
	return (ref*step + unit/2) / unit
}

// rate is the line's rate the divisor makes.
func (u *uartModel) rate() int {
	if u.divisor == 0 {
		return 0
	}
	if u.kind == binreader.UARTAR933x {
		return int(ar933xRate(u.clock, uint64(u.divisor>>16), uint64(u.divisor&0xffff)))
	}
	if u.kind == binreader.UARTPL011 {
		return int(math.Round(float64(u.clock) * 4 / float64(u.divisor)))
	}
	return int(math.Round(float64(u.clock) / 16 / float64(u.divisor)))
}

// fdt is the part of U-Boot's fdt command a host asks: addr, and list of
// /chosen and of the console's UART, printed as cmd/fdt.c prints them.
func (b *uboot) fdt(args []string) {
	if len(args) < 3 {
		b.out.puts("fdt - flattened device tree utility commands\n")
		return
	}
	switch args[1] {
	case "addr":
		addr, err := strconv.ParseUint(strings.TrimPrefix(args[2], "0x"), 16, 64)
		if err != nil {
			b.out.puts("fdt - flattened device tree utility commands\n")
			return
		}
		b.out.puts(fmt.Sprintf("Working FDT set to %x\n", addr))
	case "list", "print":
		u := b.uartReg
		var props [][2]string
		switch {
		case args[2] == "/chosen" && u != nil:
			props = [][2]string{{"stdout-path", `"` + u.path + `"`}}
		case args[2] == "/soc" && u != nil && strings.HasPrefix(u.path, "/soc/"):
			props = [][2]string{{"#address-cells", "<0x00000002>"}, {"#size-cells", "<0x00000002>"}, {"compatible", `"simple-bus"`}, {"ranges", ""}}
		case u != nil && args[2] == u.path:
			compatible := `"ns16550a"`
			if u.kind == binreader.UARTPL011 {
				compatible = `"arm,pl011", "arm,primecell"`
			}
			props = [][2]string{{"reg", fmt.Sprintf("<0x%08x 0x%08x 0x00000000 0x00001000>", u.base>>32, u.base&0xffffffff)}, {"compatible", compatible}}
			if u.kind == binreader.UART16550 {
				props = append(props, [2]string{"clock-frequency", fmt.Sprintf("<0x%08x>", u.clock)})
			}
		default:
			b.out.puts("libfdt fdt_path_offset() returned FDT_ERR_NOTFOUND\n")
			return
		}
		b.out.puts(args[2][strings.LastIndex(args[2], "/")+1:] + " {\n")
		for _, p := range props {
			if p[1] == "" { // no value: cmd/fdt.c prints the name alone
				b.out.puts("\t" + p[0] + ";\n")
				continue
			}
			b.out.puts("\t" + p[0] + " = " + p[1] + ";\n")
		}
		b.out.puts("};\n")
	default:
		b.out.puts("fdt - flattened device tree utility commands\n")
	}
}

// uartRate is reader.c's uart_rate(): the divisor reported, and if one
// is asked for, set (the line follows at the rate it makes) and kept only
// if the host answers "BDBR" with 'K' at the new rate, within the 32
// rounds of tstc polls the reader makes (25 ms each on a fast CPU).
func (r *readerRun) uartRate(p uint64) uint64 {
	b := r.b
	u := b.uartReg
	if u == nil || r.word(p, pAddr) != u.base {
		b.crash(r.word(p, pAddr)) // registers that are none
	}
	old := u.divisor
	r.setWord(p, pResult, uint64(old))
	d := uint32(r.word(p, pBlock))
	if d == 0 {
		return 0
	}
	set := func(d uint32) {
		b.out.flush()
		u.divisor = d
		if b.cfg.Baud > 0 {
			b.out.setBaud(u.rate())
		}
	}
	set(d)
	for range 32 {
		b.out.write([]byte(binreader.UARTReady))
		if c, ok, err := b.uart.key(b.ctx, 25*time.Millisecond); err == nil && ok && c == binreader.UARTConfirm {
			return 0
		}
	}
	set(old)
	return 1
}
