package sim

import (
	"context"
	"strings"
)

// bootLinux is what a board with firmware does when nobody stops its
// autoboot: the kernel boots (its log as OpenWrt's boots on such routers
// print it), then procd asks for Enter and BusyBox's ash answers, as the
// boot logs users post show. reboot restarts the board. It returns only
// when ctx ends or the host hangs up.
func bootLinux(ctx context.Context, uart *line) error {
	uart.power.once.Do(func() { close(uart.power.linux) })
	out := uart.out
	out.lfcr = false // the kernel's console driver sends CR LF
	out.puts("\nStarting kernel ...\n\n")
	for _, l := range kernelLog {
		out.puts(l + "\n")
	}
	out.puts("\nPlease press Enter to activate this console.\n")
	active := false
	var buf []byte
	for {
		c, typed, err := uart.key(ctx, 0)
		if err != nil {
			return err
		}
		if !typed {
			continue
		}
		switch {
		case !active && c == '\r':
			active = true
			out.puts("\n\nBusyBox v1.33.2 (2022-04-16 12:59:34 UTC) built-in shell (ash)\n\n")
			out.puts(linuxPrompt)
		case !active:
		case c == ctrlC:
			buf = buf[:0]
			out.puts("^C\n" + linuxPrompt)
		case c == '\r' || c == '\n':
			out.puts("\n")
			cmd := strings.TrimSpace(string(buf))
			buf = buf[:0]
			switch {
			case cmd == "reboot":
				out.puts("[  812.345678] reboot: Restarting system\n")
				out.flush()
				panic(errReset{})
			case cmd != "":
				name, _, _ := strings.Cut(cmd, " ")
				out.puts("-ash: " + name + ": not found\n")
			}
			out.puts(linuxPrompt)
		case c >= 0x20 && c < 0x7f:
			buf = append(buf, c)
			out.putc(c)
		}
	}
}

const linuxPrompt = "root@OpenWrt:/# "

// kernelLog is the start and end of an OpenWrt kernel's boot log on a
// MIPS router, trimmed.
var kernelLog = []string{
	"[    0.000000] Linux version 5.10.176 (builder@buildhost) (mipsel-openwrt-linux-musl-gcc (OpenWrt GCC 11.2.0 r20134-5f15225c1e) 11.2.0, GNU ld (GNU Binutils) 2.37) #0 Tue Apr 4 16:11:38 2023",
	"[    0.000000] SoC Type: MediaTek MT7628AN ver:1 eco:2",
	"[    0.000000] bootconsole [early0] enabled",
	"[    0.000000] CPU0 revision is: 00019655 (MIPS 24KEc)",
	"[    0.000000] Kernel command line: console=ttyS0,57600 rootfstype=squashfs,jffs2",
	"[    0.330769] spi-mt7621 10000b00.spi: sys_freq: 193333333",
	"[    0.352917] spi-nor spi0.0: mx25l12805d (16384 Kbytes)",
	"[    1.613026] VFS: Mounted root (squashfs filesystem) readonly on device 31:3.",
	"[    1.630131] Freeing unused kernel memory: 1220K",
	"[    3.452109] init: Console is alive",
	"[    4.867523] procd: - init -",
}
