package e2e

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootdump/bootdump/internal/imagetest"
	"github.com/bootdump/bootdump/sim"
)

// personalities are the bootloaders of the wild the simulator runs, with
// what each can do: whether it has a checksum to verify with.
var personalities = []struct {
	dialect  string
	checksum bool
}{
	{"uboot", true}, {"ralink", false}, {"lsdk", true}, {"winbond", false},
	{"cfe", false}, {"redboot", true}, {"barebox", true},
}

// TestEveryBootloaderEveryWay: each personality, on a board that is
// switched on after bootdump starts (and boots Linux if its countdown or
// menu is answered wrong) and on one already at its prompt: info, a 64 KiB
// dump of a flash holding a real u-boot.bin, identical and verified, and
// verify where the bootloader has a checksum. No flags but the port and
// the range.
func TestEveryBootloaderEveryWay(t *testing.T) {
	flash := imagetest.BootloaderFlash(t, 2<<20)
	for _, p := range personalities {
		for _, state := range []string{"power-on", "at-prompt"} {
			t.Run(p.dialect+"/"+state, func(t *testing.T) {
				t.Parallel()
				cfg := sim.Config{Dialect: p.dialect, Image: flash, BootDelay: 2, Linux: true}
				if state == "power-on" {
					cfg.PowerOnAfter = 1500 * time.Millisecond
				}
				board := ptyBoard(t, cfg)
				if state == "at-prompt" {
					if _, stderr, code := run(t, "info", "-p", board.Path); code != 0 {
						t.Fatalf("first info: exit %d: %s", code, stderr)
					}
				}
				stdout, stderr, code := run(t, "info", "-p", board.Path)
				if code != 0 || !strings.Contains(stderr, "dialect="+p.dialect) {
					t.Fatalf("info: exit %d: %s%s", code, stdout, stderr)
				}
				base := sim.DefaultBase(p.dialect)
				out := filepath.Join(t.TempDir(), "flash.bin")
				r, stderr := dumpOK(t, flash[:64<<10], "-p", board.Path, "--addr", fmt.Sprintf("%#x", base), "--size", "64K", "-o", out)
				if r.Resets != 0 {
					t.Fatalf("%d resets:\n%s", r.Resets, stderr)
				}
				_, stderr, code = run(t, "verify", "-p", board.Path, "--addr", fmt.Sprintf("%#x", base), out)
				if p.checksum != (code == 0) {
					t.Fatalf("verify (the bootloader has a checksum: %v): exit %d: %s", p.checksum, code, stderr)
				}
			})
		}
	}
}

// TestBoardRunningLinux: a board already past its bootloader is reported
// within seconds, and bootdump goes on waiting for the bootloader (exit 1
// at the end, no file); with --power-cycle it resets the board and
// catches the bootloader itself.
func TestBoardRunningLinux(t *testing.T) {
	img := randomBytes(64<<10, 61)
	board := ptyBoard(t, sim.Config{Dialect: "ralink", Image: img, BootDelay: 1, Linux: true})
	<-board.Board.LinuxBooted() // while nobody listened
	out := filepath.Join(t.TempDir(), "flash.bin")
	start := time.Now()
	_, stderr, code := run(t, "dump", "-p", board.Path, "--addr", "0xbc000000", "--size", "64K", "-o", out, "--sync-timeout", "6s")
	warned := strings.Index(stderr, "the board is running Linux: reset or power-cycle it; bootdump waits for the bootloader")
	if code != 1 || warned < 0 || !strings.Contains(stderr, "bootdump: "+board.Path+" at 115200 baud: the board is running Linux") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if took := time.Since(start); took < 6*time.Second {
		t.Fatalf("gave up after %v: it must wait for the bootloader", took)
	}
	noFile(t, out)

	// The relay: this process power-cycles the board at SIGUSR1.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	defer signal.Stop(sig)
	defer powerRelay(sig, board.Board)()
	_, stderr = dumpOK(t, img, "-p", board.Path, "--addr", "0xbc000000", "--size", "64K", "-o", out,
		"--power-cycle", fmt.Sprintf("kill -USR1 %d", os.Getpid()))
	if !strings.Contains(stderr, "power-cycling the board") {
		t.Fatalf("no power cycle:\n%s", stderr)
	}
}

// TestAutoBaud: -b auto finds a 57600 board (MediaTek/Ralink's rate), a
// 115200 one and a 38400 one on a pty, at their prompt (from the answer
// to a key) and while they boot (from the boot log, the countdown's ticks
// or Linux's log: a board caught too late is power-cycled). The simulator
// garbles what crosses at another rate, as a real UART does.
func TestAutoBaud(t *testing.T) {
	img := randomBytes(64<<10, 71)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	defer signal.Stop(sig)
	for _, c := range []struct {
		dialect string
		baud    int
	}{{"ralink", 57600}, {"uboot", 115200}, {"redboot", 38400}} {
		for _, when := range []string{"at its prompt", "booting"} {
			cfg := sim.Config{Dialect: c.dialect, Image: img, Baud: c.baud, BootDelay: -1}
			args := []string{"info", "-p", "", "-b", "auto"}
			if when == "booting" {
				cfg.BootDelay, cfg.Linux, cfg.PowerOnAfter = 2, true, 500*time.Millisecond
				args = append(args, "--power-cycle", fmt.Sprintf("kill -USR1 %d", os.Getpid()))
			}
			board := ptyBoard(t, cfg)
			args[2] = board.Path
			stop := powerRelay(sig, board.Board)
			_, stderr, code := run(t, args...)
			stop()
			if code != 0 || !strings.Contains(stderr, fmt.Sprintf("the line speaks at %d baud", c.baud)) {
				t.Fatalf("%s at %d baud, %s: exit %d: %s", c.dialect, c.baud, when, code, stderr)
			}
		}
	}
}

// powerRelay power-cycles board at each signal on sig, until stop is called.
func powerRelay(sig <-chan os.Signal, board *sim.Board) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-sig:
				board.PowerCycle()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// TestWatchdogResets: a board whose watchdog resets it every few seconds
// while it sits in its bootloader (and boots Linux when nobody stops it):
// the dump is caught again through the countdown, the secret string or
// the boot menu after each reset, ends identical, and counts the resets.
func TestWatchdogResets(t *testing.T) {
	img := randomBytes(32<<10, 81)
	for _, d := range []string{"uboot", "ralink", "lsdk"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			board := ptyBoard(t, sim.Config{Dialect: d, Image: img, Baud: 115200, BootDelay: 1, Linux: true, Watchdog: 5 * time.Second})
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img, "-p", board.Path, "--addr", fmt.Sprintf("%#x", sim.DefaultBase(d)), "--size", "32K", "-o", out, "--chunk", "4K")
			bites := board.Board.WatchdogResets()
			if bites == 0 || r.Resets == 0 || !strings.Contains(stderr, "survived") {
				t.Fatalf("the watchdog bit %d times, the dump saw %d resets:\n%s", bites, r.Resets, stderr)
			}
		})
	}
}

// TestForeignLinesInDump: driver and kernel messages printed between md's
// lines (raspi_read: from:50000 len:40, a bad-block warning, a kernel's
// timestamped line) are never data: the image comes out identical and
// verified, and a foreign line costs no read again.
func TestForeignLinesInDump(t *testing.T) {
	img := randomBytes(64<<10, 91)
	for i, d := range []string{"uboot", "ralink", "lsdk"} {
		board := ptyBoard(t, sim.Config{Dialect: d, Image: img, Faults: &sim.Faults{Seed: uint64(i + 1), Noise: 0.02}})
		out := filepath.Join(t.TempDir(), d+".bin")
		r, stderr := dumpOK(t, img, "-p", board.Path, "--addr", fmt.Sprintf("%#x", sim.DefaultBase(d)), "--size", "64K", "-o", out, "--chunk", "8K")
		if noise := board.Board.Faults().Noise; noise < 10 || r.Retries != 0 {
			t.Fatalf("%s: %d foreign lines, %d retries:\n%s", d, noise, r.Retries, stderr)
		}
	}
}
