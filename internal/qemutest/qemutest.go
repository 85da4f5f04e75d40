// Package qemutest boots real U-Boot under QEMU for tests: Debian's
// u-boot-qemu build for the virt board, with an image of the test's choosing
// as the second CFI flash (mapped at 0x04000000) and the console on TCP.
//
// Where QEMU or U-Boot is missing the tests skip, saying what to install;
// with BOOTDUMP_REQUIRE_QEMU=1 (as CI sets) they fail instead.
package qemutest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Flash1Base is where the second flash appears in U-Boot's address space.
const Flash1Base = 0x04000000

const (
	flashSize = 64 << 20
	ubootBin  = "/usr/lib/u-boot/qemu_arm/u-boot.bin"
)

// Board is a running QEMU.
type Board struct {
	Port  string // tcp://127.0.0.1:N, for bootdump -p
	Flash string // the second flash's backing file
}

// Require skips (or, under BOOTDUMP_REQUIRE_QEMU=1, fails) when QEMU or
// U-Boot is not installed.
func Require(t testing.TB) string {
	t.Helper()
	qemu, err := exec.LookPath("qemu-system-arm")
	missing := ""
	if err != nil {
		missing = "qemu-system-arm (Debian package qemu-system-arm)"
	} else if _, err := os.Stat(ubootBin); err != nil {
		missing = ubootBin + " (Debian package u-boot-qemu)"
	}
	if missing != "" {
		if os.Getenv("BOOTDUMP_REQUIRE_QEMU") == "1" {
			t.Fatalf("real U-Boot test cannot run: %s is missing, and BOOTDUMP_REQUIRE_QEMU=1", missing)
		}
		t.Skipf("skipping the real U-Boot test: %s is missing; ./scripts/test installs it", missing)
	}
	return qemu
}

// Start boots U-Boot with flash1 (padded with 0xFF to 64 MiB) as the
// second flash. QEMU waits for the console connection before it starts the
// CPU, so whoever connects first sees the whole boot, countdown included.
func Start(t testing.TB, flash1 []byte) *Board {
	t.Helper()
	qemu := Require(t)
	dir := t.TempDir()
	f0, f1 := filepath.Join(dir, "flash0.bin"), filepath.Join(dir, "flash1.bin")
	boot, err := os.ReadFile(ubootBin)
	if err != nil {
		t.Fatal(err)
	}
	writeFlash(t, f0, boot, 0x00)
	writeFlash(t, f1, flash1, 0xff)
	port := freePort(t)
	cmd := exec.Command(qemu, "-M", "virt", "-m", "256", "-nographic", "-nic", "none", "-monitor", "none",
		"-drive", "if=pflash,format=raw,file="+f0,
		"-drive", "if=pflash,format=raw,unit=1,file="+f1,
		"-serial", fmt.Sprintf("tcp:127.0.0.1:%d,server=on,wait=on", port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start QEMU: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Wait for QEMU to listen, without connecting: the first connection
	// is the test's.
	deadline := time.Now().Add(30 * time.Second)
	for !listening(port) {
		select {
		case err := <-exited:
			t.Fatalf("QEMU exited before listening: %v: %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU did not listen on port %d within 30 s: %s", port, stderr.String())
		}
	}
	return &Board{Port: fmt.Sprintf("tcp://127.0.0.1:%d", port), Flash: f1}
}

func writeFlash(t testing.TB, path string, data []byte, fill byte) {
	t.Helper()
	if len(data) > flashSize {
		t.Fatalf("flash image of %d bytes is larger than 64 MiB", len(data))
	}
	img := make([]byte, flashSize)
	copy(img, data)
	for i := len(data); i < flashSize; i++ {
		img[i] = fill
	}
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// listening reads /proc/net/tcp for a socket in LISTEN state on port.
func listening(port int) bool {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return false
	}
	defer f.Close()
	want := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
			return true
		}
	}
	return false
}
