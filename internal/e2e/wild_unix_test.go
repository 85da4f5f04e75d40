//go:build unix

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

	"github.com/bootdump/bootdump/sim"
)

// The tests here power-cycle a simulated board from a --power-cycle
// command: kill -USR1 to this process, which relays it to the board.

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
