package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bootdump/bootdump/binreader"
)

func init() {
	registerFork("ralink", personality{base: 0xbc000000, prompt: "MT7628 # ", ram: 0x80000000, ramSize: 64 << 20, mips: true}, &fork{
		version: "U-Boot 1.1.3 (Jan 24 2018 - 12:18:18)",
		lfcr:    true,
		boot:    (*uboot).ralinkBoot,
		lacks:   []string{"crc32", "cmp", "mtd", "sf", "nand", "mmc", "loady", "loadx", "loads"},
		help: "?       - alias for 'help'\nbootm   - boot application image from memory\ncp      - memory copy\n" +
			"erase   - erase SPI FLASH memory\ngo      - start application at address 'addr'\nhelp    - print online help\n" +
			"loadb   - load binary file over serial line (kermit mode)\nmd      - memory display\nmdio   - Ralink PHY register R/W command !!\n" +
			"mm      - memory modify (auto-incrementing)\nnm      - memory modify (constant address)\nprintenv- print environment variables\n" +
			"reset   - Perform RESET of the CPU\nsaveenv - save environment variables to persistent storage\n" +
			"setenv  - set environment variables\nspi     - spi command\ntftpboot- boot image via network using TFTP protocol\n" +
			"version - print monitor version\n",
		env: map[string]string{
			"bootcmd": "tftp", "ethaddr": "\"00:AA:BB:CC:DD:10\"", "ipaddr": "10.10.10.123", "serverip": "10.10.10.3",
			"stdin": "serial", "stdout": "serial", "stderr": "serial",
		},
		soc: mt7628,
	})
}

// mt7628 is the SoC: its chip name in the system controller's first two
// registers ("MT76", "28  "), three UART Lites, 16550s with 32-bit
// registers 4 bytes apart, clocked at 40 MHz. The console is the third, as
// on the LinkIt Smart 7688 (its SDK's board/rt2880/serial.h); serial_setbrg
// resets the UARTs and sets up only the console's, so only its line control
// is not 0, and it cuts the divisor for CONFIG_BAUDRATE short.
var mt7628 = &soc{
	regs: map[uint64]uint32{
		0xb0000000: 0x3637544d, 0xb0000004: 0x20203832,
		0xb0000c0c: 0, 0xb0000d0c: 0, 0xb0000e0c: 0x03, // LCR: 8 bits, no parity
	},
	uart: func(rate int) *uartModel {
		u := &uartModel{kind: binreader.UART16550, base: 0xb0000e00, clock: 40000000, cuts: true}
		u.divisor = u.divisorFor(rate)
		return u
	},
	fixedRate: true,
}

// ralinkBoot is the MediaTek/Ralink SDK's U-Boot 1.1.3 (MT7628 here), as
// its lib_mips/board.c prints and as the boot logs users post show
// (OpenWrt forum, MT7628/RT5350 routers): no "Hit any key", a numbered
// menu, and a countdown where the first key typed is taken as the choice;
// anything but a listed digit, Ctrl-C included, means 3 (boot from flash).
func (b *uboot) ralinkBoot(ctx context.Context) (bool, error) {
	b.out.puts("\n\n" + b.version() + "\n\n")
	b.out.puts("Board: Ralink APSoC DRAM:  64 MB\nrelocate_code Pointer at: 83fb8000\n")
	b.out.puts("flash manufacture id: c2, device id 20 17\nfind flash: MX25L6405D\n")
	b.out.puts("============================================\nRalink UBoot Version: 4.3.0.0\n")
	b.out.puts("--------------------------------------------\nASIC 7628_MP (Port5<->None)\n")
	b.out.puts("DRAM component: 512 Mbits DDR, width 16\nDRAM bus: 16 bit\nTotal memory: 64 MBytes\n")
	b.out.puts("Flash component: SPI Flash\nDate:Jan 24 2018  Time:12:18:18\n============================================\n")
	b.out.puts("icache: sets:512, ways:4, linesz:32 ,total:65536\ndcache: sets:256, ways:4, linesz:32 ,total:32768\n\n")
	b.out.puts(" ##### The CPU freq = 580 MHZ #### \n estimate memory size =64 Mbytes\nRESET MT7628 PHY!!!!!!\n")
	b.out.puts("\nPlease choose the operation: \n")
	b.out.puts("   1: Load system code to SDRAM via TFTP. \n   2: Load system code then write to Flash via TFTP. \n")
	b.out.puts("   3: Boot system code via Flash (default).\n   4: Entr boot command line interface.\n")
	b.out.puts("   7: Load Boot Loader code then write to Flash via Serial. \n")
	b.out.puts("   9: Load Boot Loader code then write to Flash via TFTP. ")
	choice := byte('3')
	if b.cfg.BootDelay >= 0 {
		b.out.puts(fmt.Sprintf(" %2d ", max(b.cfg.BootDelay, 1)))
	}
	for left := max(b.cfg.BootDelay, 1); left > 0 && b.cfg.BootDelay >= 0; {
		left--
		c, typed, err := b.uart.key(ctx, time.Second)
		if err != nil {
			return false, err
		}
		if typed {
			left = 0
			if !strings.ContainsRune("1234579", rune(c)) {
				c = '3'
			}
			choice = c
			b.out.puts(fmt.Sprintf("\n\rYou choosed %c\n\n", c))
		}
		b.out.puts(fmt.Sprintf("\b\b\b%2d ", left))
	}
	if b.cfg.BootDelay < 0 {
		choice = '4' // a board set to wait at its prompt
	}
	b.out.puts("\n")
	switch choice {
	case '3':
		b.out.puts("   \n3: System Boot system code via Flash.\n## Booting image at bc050000 ...\n")
		return false, nil
	case '4':
		b.out.puts("   \n4: System Enter Boot Command Line Interface.\n")
		b.out.puts("\n" + b.version() + "\n")
		return true, nil
	default:
		// the TFTP and serial loaders: no server answers here
		b.out.puts(fmt.Sprintf("   \n%c: System Load Linux to SDRAM via TFTP. \n Please Input new ones /or Ctrl-C to discard\n", choice))
		b.out.puts("\tInput device IP (10.10.10.123) ==:10.10.10.123\n\nabort\n")
		return true, nil
	}
}
