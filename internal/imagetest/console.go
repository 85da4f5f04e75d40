package imagetest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"
)

// UBootQEMUArm is Debian's real U-Boot 2023.01 for QEMU's virt board (package
// u-boot-qemu): every real flash begins with a bootloader, and this one
// holds all of U-Boot's console texts.
const UBootQEMUArm = "/usr/lib/u-boot/qemu_arm/u-boot.bin"

// UBootBinary reads Debian's u-boot.bin for qemu_arm; the test skips where
// it is not installed (fails under BOOTDUMP_REQUIRE_TOOLS=1).
func UBootBinary(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(UBootQEMUArm)
	if err != nil {
		msg := UBootQEMUArm + " is not installed (Debian package u-boot-qemu; ./scripts/test installs it)"
		if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return b
}

// EventTexts are what consoles print at the moments a tool must notice:
// resets, banners, autoboot countdowns and boot menus, prompts, interrupts,
// errors, and a Linux shell. Taken from U-Boot 2023.01's console (the real
// capture and its cmd/ sources), the Winbond loader, CFE, RedBoot and
// barebox as their sources print them, the Ralink SDK's U-Boot 1.1.3 and the
// Atheros LSDK's U-Boot 1.1.4 as published boot logs show them, and
// OpenWrt's shell. In a flash they are data.
var EventTexts = []string{
	// U-Boot
	"resetting ...", "Resetting CPU ...", "U-Boot SPL 2023.01", "U-Boot 2023.01 (Jan 10 2023 - 00:00:00 +0000)",
	"Hit any key to stop autoboot:  2 \b\b\b 1 ", "to stop autoboot", "=> ", "U-Boot> ", "<INTERRUPT>",
	"Unknown command 'x' - try 'help'", "## Starting application at 0x40200000 ...",
	"## Switch baudrate to 921600 bps and press ENTER ...", "## Ready for binary (ymodem) download to 0x40200000 at 115200 bps...",
	"crc32 for 04000000 ... 04000fff ==> 2e0cea5c", "data abort", "Total of 4096 byte(s) were the same",
	// vendor U-Boot forks
	"Please choose the operation: ", "   4: Entr boot command line interface.", "   3: Boot system code via Flash (default).",
	"3: System Boot system code via Flash.", "raspi_read: from:30000 len:1000 ", "U-Boot 1.1.3 (Apr 17 2018 - 16:46:28)",
	"MT7628 # ", "MT7621 # ", "RT3052 # ", "Autobooting in 1 seconds", "ar7240> ", "ath> ", "hisilicon # ", "IPQ40xx# ",
	"U-Boot 1.1.4 (Feb 26 2013, 16:07:33)",
	// Winbond / Nuvoton
	"W90P745 Boot Loader [ Version 1.1 $Revision: 1 $ ]", "Press ESC to enter debug mode ......", "bootloader > ",
	"bootrom > ", "ERROR: unrecognised command",
	// CFE
	"CFE version 1.0.37-108.4 for BCM96348 (32bit,SP,BE)", "*** Press any key to stop auto run (1 seconds) ***", "CFE> ",
	"*** command status = 0", "*** command status = -1",
	// RedBoot
	"RedBoot(tm) bootstrap and debug environment [ROM]", "== Executing boot script in 2.000 seconds - enter ^C to abort",
	"enter ^C to abort", "RedBoot> ",
	// barebox
	"barebox 2023.01.0", "Hit any key to stop autoboot:    3", "barebox@Board Name:/ ",
	// Linux
	"Starting kernel ...", "root@OpenWrt:/# ", "login: ", "Kernel panic - not syncing",
}

// EventBlock is every EventText laid out the ways a dump can meet it: at
// the start of a 16-byte line, ending at a line's end, alone on a line
// padded with NULs (so a short text fills a whole ASCII column), and
// between CR LF as a console prints it. Random bytes fill the rest, to a
// multiple of 4 KiB.
func EventBlock() []byte {
	rng := rand.New(rand.NewPCG(16, 16))
	var b bytes.Buffer
	fill := func(n int) {
		for range n {
			b.WriteByte(byte(rng.Uint32()))
		}
	}
	toLine := func() { fill((16 - b.Len()%16) % 16) }
	for _, t := range EventTexts {
		toLine()
		b.WriteString(t)
		toLine()
		fill(16 - len(t)%16)
		b.WriteString(t)
		toLine()
		if len(t) <= 16 {
			b.WriteString(t)
			b.Write(make([]byte, 16-len(t)))
		}
		b.WriteString("\r\n" + t + "\r\n")
		fill(3)
	}
	fill((4096 - b.Len()%4096) % 4096)
	return b.Bytes()
}

// BootloaderFlash is a flash of size bytes as a real one is laid out: the
// bootloader (Debian's u-boot.bin) at 0, EventBlock at 1 MiB, erased (0xFF)
// elsewhere.
func BootloaderFlash(t testing.TB, size int) []byte {
	t.Helper()
	img := bytes.Repeat([]byte{0xff}, size)
	copy(img, UBootBinary(t))
	copy(img[1<<20:], EventBlock())
	return img
}
