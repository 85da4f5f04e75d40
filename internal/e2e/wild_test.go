package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
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
				stdout, stderr, code := run(t, "info", "-p", board.Path, "--json")
				var info struct{ Bootloader struct{ Dialect string } }
				if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || info.Bootloader.Dialect != p.dialect {
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
		r, stderr := dumpOK(t, img, "-p", board.Path, "--addr", fmt.Sprintf("%#x", sim.DefaultBase(d)), "--size", "64K", "-o", out, "--chunk", "8K", "--reader", "md")
		if noise := board.Board.Faults().Noise; noise < 10 || r.Retries != 0 {
			t.Fatalf("%s: %d foreign lines, %d retries:\n%s", d, noise, r.Retries, stderr)
		}
	}
}
