package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/bootdump/bootdump/binreader"
)

func init() {
	registerFork("lsdk", personality{base: 0x9f000000, prompt: "ar7240> ", ram: 0x80000000, ramSize: 32 << 20, mips: true, bigEndian: true}, &fork{
		version: "U-Boot 1.1.4 (Mar 22 2013 - 16:16:35)",
		boot:    (*uboot).lsdkBoot,
		lacks:   []string{"mtd", "sf", "nand", "mmc", "loady", "loadx", "loads"},
		help: "?       - alias for 'help'\nautoscr - run script from memory\nbase    - print or set address offset\n" +
			"bdinfo  - print Board Info structure\nboot    - boot default, i.e., run 'bootcmd'\nbootm   - boot application image from memory\n" +
			"cmp     - memory compare\ncp      - memory copy\ncrc32   - checksum calculation\nerase   - erase FLASH memory\n" +
			"flinfo  - print FLASH memory information\ngo      - start application at address 'addr'\nhelp    - print online help\n" +
			"md      - memory display\nmm      - memory modify (auto-incrementing)\nmtest   - simple RAM test\n" +
			"mw      - memory write (fill)\nnm      - memory modify (constant address)\nprintenv- print environment variables\n" +
			"progmac - Set ethernet MAC address\nprotect - enable or disable FLASH write protection\nreset   - Perform RESET of the CPU\n" +
			"run     - run commands in an environment variable\nsetenv  - set environment variables\ntftpboot- boot image via network using TFTP protocol\n" +
			"version - print monitor version\n",
		env: map[string]string{
			"bootargs": "console=ttyS0,115200 root=31:02 rootfstype=jffs2 init=/sbin/init mtdparts=ar7240-nor0:128k(u-boot),1024k(kernel),2816k(rootfs),64k(config),64k(ART)",
			"bootcmd":  "bootm 0x9f020000", "ethaddr": "0x00:0xaa:0xbb:0xcc:0xdd:0xee", "ipaddr": "192.168.1.111",
			"serverip": "192.168.1.100", "stdin": "serial", "stdout": "serial", "stderr": "serial", "ethact": "eth0",
		},
		soc: ar9330,
	})
}

// ar9330 is the SoC: revision 1 of an AR9330 in its reset block's
// revision ID register, and its own "high-speed" UART, whose clock
// register U-Boot sets for the rate from a 25 MHz reference clock.
var ar9330 = &soc{
	regs: map[uint64]uint32{0xb8060090: 0x00000111},
	uart: func(rate int) *uartModel {
		u := &uartModel{kind: binreader.UARTAR933x, base: 0xb8020000, clock: 25000000}
		u.divisor = u.divisorFor(rate)
		return u
	},
}

// lsdkStop is the string that stops the keyed autoboot of TP-Link's builds
// of Atheros' LSDK U-Boot (CONFIG_AUTOBOOT_STOP_STR).
const lsdkStop = "tpl"

// lsdkBoot is Atheros/QCA LSDK U-Boot 1.1.4 as TP-Link builds it (AR9330
// here), as the boot logs on the OpenWrt forum show: "Autobooting in 1
// seconds" with no line end, and only the secret string stops it (1.1.4's
// keyed abortboot: the last keys typed must spell it; nothing is echoed,
// and the prompt follows on the same line).
func (b *uboot) lsdkBoot(ctx context.Context) (bool, error) {
	b.out.puts("\n\n" + b.version() + "\n\nAP121 (ar9330) U-boot\n\nDRAM:  32 MB\nled turning on for 1s...\n")
	b.out.puts("id read 0x100000ff\nflash size 4194304, sector count = 64\nFlash:  4 MB\nUsing default environment\n\n")
	b.out.puts("In:    serial\nOut:   serial\nErr:   serial\nNet:   ag7240_enet_initialize...\n")
	b.out.puts("No valid address in Flash. Using fixed address\n: cfg1 0x5 cfg2 0x7114\neth0: 00:03:7f:09:0b:ad\neth0 up\neth0\n")
	if b.cfg.BootDelay < 0 {
		return true, nil
	}
	delay := max(b.cfg.BootDelay, 1)
	b.out.puts(fmt.Sprintf("Autobooting in %d seconds", delay))
	var typed []byte
	deadline := time.Now().Add(time.Duration(delay) * time.Second)
	for time.Now().Before(deadline) {
		c, ok, err := b.uart.key(ctx, time.Until(deadline))
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		typed = append(typed, c)
		if len(typed) > len(lsdkStop) {
			typed = typed[1:]
		}
		if string(typed) == lsdkStop {
			return true, nil
		}
	}
	b.out.puts("## Booting image at 9f020000 ...\n")
	return false, nil
}
