package qemutest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// RISCV64Flash1Base is where the riscv64 virt board maps its second flash.
const RISCV64Flash1Base = 0x22000000

const riscvFlashSize = 32 << 20

// StartRISCV64 boots Debian's qemu-riscv64 U-Boot (machine mode, as
// QEMU's -bios) on the riscv64 virt board, with flash1 (padded with 0xFF
// to 32 MiB) as the second flash at 0x22000000. Only that flash is given:
// with a first one QEMU starts the CPU there. The board's UART takes no
// more input once keys arrive before U-Boot has set it up, so the board is
// left to boot to its prompt (its autoboot finds nothing) before anyone
// types; Port is a relay onto that console, for one host at a time.
func StartRISCV64(t testing.TB, flash1 []byte) *Board {
	t.Helper()
	Require(t)
	const boot = "/usr/lib/u-boot/qemu-riscv64/u-boot.bin"
	qemu, err := exec.LookPath("qemu-system-riscv64")
	if _, serr := os.Stat(boot); err != nil || serr != nil {
		if os.Getenv("BOOTDUMP_REQUIRE_QEMU") == "1" {
			t.Fatalf("real U-Boot test cannot run: qemu-system-riscv64 or %s is missing, and BOOTDUMP_REQUIRE_QEMU=1", boot)
		}
		t.Skipf("skipping: qemu-system-riscv64 (qemu-system-misc) or %s is missing", boot)
	}
	if len(flash1) > riscvFlashSize {
		t.Fatalf("flash image of %d bytes is larger than 32 MiB", len(flash1))
	}
	f1 := filepath.Join(t.TempDir(), "flash1.bin")
	img := bytes.Repeat([]byte{0xff}, riscvFlashSize)
	copy(img, flash1)
	if err := os.WriteFile(f1, img, 0o644); err != nil {
		t.Fatal(err)
	}
	board := launch(t, qemu, "-M", "virt", "-m", "256", "-nographic", "-nic", "none", "-monitor", "none", "-bios", boot,
		"-drive", "if=pflash,format=raw,unit=1,file="+f1)
	board.Flash = f1
	dev, err := net.Dial("tcp", board.Port[len("tcp://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	if err := untilPrompt(dev, 2*time.Minute); err != nil {
		t.Fatalf("riscv64 U-Boot did not reach its prompt: %v", err)
	}
	board.Port = shareConsole(t, dev)
	return board
}

// OpenSBIJump is Debian's OpenSBI (package opensbi) for QEMU's virt
// board: it starts the next stage, U-Boot, in S-mode.
const OpenSBIJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

// StartRISCV64SMode boots Debian's qemu-riscv64_smode U-Boot in S-mode
// under OpenSBI, with ram placed in RAM at addr before the CPU starts
// (QEMU's generic loader); OpenSBI keeps the RAM's first 512 KiB, which
// S-mode may not read. The console is shared as StartRISCV64's is.
func StartRISCV64SMode(t testing.TB, ram []byte, addr uint64) *Board {
	t.Helper()
	Require(t)
	const boot = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
	qemu, err := exec.LookPath("qemu-system-riscv64")
	if err != nil {
		need(t, "qemu-system-riscv64 (Debian package qemu-system-misc)")
	}
	for _, f := range []string{boot, OpenSBIJump} {
		if _, err := os.Stat(f); err != nil {
			need(t, f+" (Debian packages u-boot-qemu and opensbi)")
		}
	}
	data := filepath.Join(t.TempDir(), "ram.bin")
	if err := os.WriteFile(data, ram, 0o644); err != nil {
		t.Fatal(err)
	}
	board := launch(t, qemu, "-M", "virt", "-m", "256", "-nographic", "-nic", "none", "-monitor", "none",
		"-bios", OpenSBIJump, "-kernel", boot, "-device", fmt.Sprintf("loader,file=%s,addr=%#x", data, addr))
	dev, err := net.Dial("tcp", board.Port[len("tcp://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	if err := untilPrompt(dev, 2*time.Minute); err != nil {
		t.Fatalf("S-mode riscv64 U-Boot did not reach its prompt: %v", err)
	}
	board.Port = shareConsole(t, dev)
	return board
}

// untilPrompt reads the console until U-Boot's prompt ends what it
// printed.
func untilPrompt(dev net.Conn, limit time.Duration) error {
	dev.SetReadDeadline(time.Now().Add(limit))
	defer dev.SetReadDeadline(time.Time{})
	var seen []byte
	buf := make([]byte, 4096)
	for {
		n, err := dev.Read(buf)
		seen = append(seen, buf[:n]...)
		if bytes.HasSuffix(seen, []byte("\n=> ")) {
			return nil
		}
		if err != nil {
			tail := seen[max(0, len(seen)-300):]
			return fmt.Errorf("%w after %q", err, tail)
		}
	}
}

// shareConsole listens for hosts and joins each, one at a time, to the
// open console dev; what the board prints while no host is joined is
// dropped, as on a serial line nobody listens to.
func shareConsole(t testing.TB, dev net.Conn) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var host net.Conn
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := dev.Read(buf)
			mu.Lock()
			if host != nil && n > 0 {
				host.Write(buf[:n])
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		for {
			h, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			host = h
			mu.Unlock()
			io.Copy(dev, h)
			mu.Lock()
			host = nil
			mu.Unlock()
			h.Close()
		}
	}()
	return "tcp://" + ln.Addr().String()
}
