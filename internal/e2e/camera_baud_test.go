package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

// TestSeedCameraFastBaud: the seed's camera loader moves its UART with B;
// --fast-baud 460800 reads the romfs at that rate, identical, through the
// built-in dialect and through the profile in profiles/, and the loader is
// back at 115200 afterwards (info, at 115200, finds it).
func TestSeedCameraFastBaud(t *testing.T) {
	cam := buildCamera(t)
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images, Baud: 115200})
	const n = 8 << 10
	for _, dialect := range []string{"winbond", filepath.Join("..", "..", "profiles", "winbond.toml")} {
		out := filepath.Join(t.TempDir(), "romfs.bin")
		r, stderr := dumpOK(t, cam.romfs[:n], "-p", board.Path, "--dialect", dialect, "--addr", "0x7f0e0000", "--size", fmt.Sprint(n), "-o", out, "--fast-baud", "460800")
		if r.Baud != 460800 || !strings.Contains(stderr, "switched the line to 460800 baud") {
			t.Fatalf("%s: the dump ran at %d baud, not 460800:\n%s", dialect, r.Baud, stderr)
		}
		stdout, stderr, code := run(t, "info", "-p", board.Path, "-b", "115200", "--dialect", "winbond")
		if code != 0 || !strings.Contains(stdout, "romfs.img") {
			t.Fatalf("%s: after the dump, info at 115200: exit %d\n%s%s", dialect, code, stdout, stderr)
		}
	}
}

// BenchmarkSeedCameraFastBaud reads the seed's romfs.img (0xC3C00 bytes)
// from the simulated camera at 115200, then at 460800 after B, and reports
// the speedup (target: 3.5x). It takes about 15 minutes:
//
//	go test ./internal/e2e -run - -bench SeedCameraFastBaud -benchtime 1x -timeout 30m
func BenchmarkSeedCameraFastBaud(b *testing.B) {
	cam := buildCamera(b)
	board := ptyBoard(b, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images, Baud: 115200})
	read := func(extra ...string) time.Duration {
		out := filepath.Join(b.TempDir(), "romfs.img")
		start := time.Now()
		dumpOK(b, cam.romfs, append([]string{"-p", board.Path, "--image", "romfs.img", "-o", out}, extra...)...)
		return time.Since(start)
	}
	for b.Loop() {
		slow := read()
		fast := read("--fast-baud", "460800")
		b.ReportMetric(slow.Seconds(), "s-115200")
		b.ReportMetric(fast.Seconds(), "s-460800")
		b.ReportMetric(slow.Seconds()/fast.Seconds(), "speedup")
	}
}
