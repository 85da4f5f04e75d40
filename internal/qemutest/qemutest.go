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
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/testport"
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
	stop  func() error
	// swapped: the board's flash file holds each word byte-swapped
	// (Malta's; see FlashImage).
	swapped bool
}

// Stop ends QEMU the way a user does (SIGTERM), so that it writes its
// flash files, and waits for it.
func (b *Board) Stop() error { return b.stop() }

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
	return StartWith(t, flash1)
}

// OldMultipleChipHandling is the QEMU option under which U-Boot's flinfo
// shows the virt flash's true erase unit (256 KiB: two x16 chips side by
// side) instead of 128 KiB.
var OldMultipleChipHandling = []string{"-global", "driver=cfi.pflash01,property=old-multiple-chip-handling,value=on"}

// StartWith is Start with more QEMU arguments.
func StartWith(t testing.TB, flash1 []byte, extra ...string) *Board {
	t.Helper()
	return start(t, Require(t), ubootBin, flash1, extra...)
}

// StartARM64 is Start on a 64-bit ARM CPU (Cortex-A57) with Debian's
// qemu_arm64 build of U-Boot: the same virt board and flashes.
func StartARM64(t testing.TB, flash1 []byte) *Board {
	t.Helper()
	Require(t)
	const boot = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
	qemu, err := exec.LookPath("qemu-system-aarch64")
	if _, serr := os.Stat(boot); err != nil || serr != nil {
		if os.Getenv("BOOTDUMP_REQUIRE_QEMU") == "1" {
			t.Fatalf("real U-Boot test cannot run: qemu-system-aarch64 or %s is missing, and BOOTDUMP_REQUIRE_QEMU=1", boot)
		}
		t.Skipf("skipping: qemu-system-aarch64 or %s is missing", boot)
	}
	return start(t, qemu, boot, flash1, "-cpu", "cortex-a57")
}

func start(t testing.TB, qemu, ubootBin string, flash1 []byte, extra ...string) *Board {
	t.Helper()
	dir := t.TempDir()
	f0, f1 := filepath.Join(dir, "flash0.bin"), filepath.Join(dir, "flash1.bin")
	boot, err := os.ReadFile(ubootBin)
	if err != nil {
		t.Fatal(err)
	}
	writeFlash(t, f0, boot, 0x00)
	writeFlash(t, f1, flash1, 0xff)
	args := []string{"-M", "virt", "-m", "256", "-nographic", "-nic", "none", "-monitor", "none",
		"-drive", "if=pflash,format=raw,file=" + f0,
		"-drive", "if=pflash,format=raw,unit=1,file=" + f1}
	b := launch(t, qemu, append(args, extra...)...)
	b.Flash = f1
	return b
}

// launch starts QEMU with args and its console on a TCP port it listens
// on, and stops it when the test ends. The socket sends at once
// (nodelay=on): Nagle's algorithm would hold each short answer back
// until the last was acknowledged, a delay no serial line has.
func launch(t testing.TB, qemu string, args ...string) *Board {
	t.Helper()
	// From choosing the port until QEMU listens on it, no other board
	// may choose: the kernel may hand the same free port out twice.
	launching.Lock()
	defer launching.Unlock()
	port := testport.Free(t)
	args = append(args, "-serial", fmt.Sprintf("tcp:127.0.0.1:%d,server=on,wait=on,nodelay=on", port))
	cmd := exec.Command(qemu, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start QEMU: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	var stopErr error
	stop := func(sig os.Signal) error {
		once.Do(func() {
			cmd.Process.Signal(sig)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
				stopErr = fmt.Errorf("QEMU did not end within 30 s of %v", sig)
			}
		})
		return stopErr
	}
	t.Cleanup(func() { stop(os.Kill) })
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
	return &Board{Port: fmt.Sprintf("tcp://127.0.0.1:%d", port), stop: func() error { return stop(syscall.SIGTERM) }}
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

// launching serialises the boards' start-up (see launch).
var launching sync.Mutex

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

// cfiDriver is where a Debian build of U-Boot 2023.01 keeps a flash
// bank's CFI driver state (flash_info[]) from its relocation address, and
// the fields of it the harness sets: buffer_size, and portwidth (0: left).
// The bank's size and first two sector starts, as md.l prints them, check
// that the harness found it.
type cfiDriver struct {
	info, bufferSize, portWidth uint64
	size, start0, start1        string
}

var (
	// qemu_arm (-m 256): flash_info[1], the second bank, 256 sectors a bank
	armCFI = cfiDriver{info: 0xb1d30, bufferSize: 0x510, portWidth: 0x50c, size: "02000000", start0: "04000000", start1: "04040000"}
	// maltael: flash_info[0], 128 sectors a bank (found by its sector
	// starts in RAM above relocaddr)
	maltaCFI = cfiDriver{info: 0x414fc, bufferSize: 0x290, size: "00400000", start0: "be000000", start1: "be010000"}
)

// ProgramWordByWord makes U-Boot's CFI driver program the second flash a
// word at a time, 4 bytes wide: QEMU 7.2's buffered-write emulation keeps
// only the 4 KiB around a write's start (QEMU issue 2343, fixed upstream
// by "hw/pflash: fix block write start"), and real flash is not tested
// here but U-Boot and the tool are. It finds flash_info from bdinfo's
// relocaddr and checks the bank's size and first sectors before writing
// anything. Part of the test harness, not of the product.
func (b *Board) ProgramWordByWord(t testing.TB) { b.programWordByWord(t, armCFI) }

// ProgramWordByWordMalta does for maltael what ProgramWordByWord does for
// qemu_arm: QEMU's Malta flash times out U-Boot's buffered writes ("Flash
// buffer write timeout"), and takes a word at a time.
func (b *Board) ProgramWordByWordMalta(t testing.TB) { b.programWordByWord(t, maltaCFI) }

func (b *Board) programWordByWord(t testing.TB, d cfiDriver) {
	t.Helper()
	ctx := context.Background()
	dev, err := backup.Connect(ctx, backup.Connection{Port: b.Port, Dialect: "uboot", SyncTimeout: 60 * time.Second}, dialect.Options{})
	if err != nil {
		t.Fatalf("connect to set up the flash driver: %v", err)
	}
	defer dev.Close(ctx)
	con := dev.Session.Console()
	lines, err := con.Output(ctx, "bdinfo")
	if err != nil {
		t.Fatal(err)
	}
	var reloc uint64
	for _, l := range lines {
		if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "relocaddr" {
			reloc, err = strconv.ParseUint(strings.TrimSpace(v), 0, 64)
		}
	}
	if reloc == 0 || err != nil {
		t.Fatalf("bdinfo shows no relocaddr: %q", lines)
	}
	info := reloc + d.info
	lines, err = con.Output(ctx, fmt.Sprintf("md.l %#x 5", info))
	if err != nil || len(lines) != 2 {
		t.Fatalf("md.l of flash_info: %q %v", lines, err)
	}
	// The words after each line's address: size 32 MiB, the sector
	// count, the flash ID, start[0] and start[1].
	f := append(strings.Fields(lines[0])[1:5], strings.Fields(lines[1])[1])
	if f[0] != d.size || f[3] != d.start0 || (f[4] != d.start1 && f[4] != "04020000") {
		t.Fatalf("flash_info is not where this harness expects it (another U-Boot build?): %q", lines)
	}
	cmds := []string{fmt.Sprintf("mw.w %#x 1", info+d.bufferSize)}
	if d.portWidth != 0 {
		cmds = append(cmds, fmt.Sprintf("mw.b %#x 4", info+d.portWidth))
	}
	for _, cmd := range cmds {
		if _, err := con.Output(ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
}
