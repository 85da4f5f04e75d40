package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/internal/qemutest"
)

// TestRealUBootBinaryReader dumps 1 MiB of random flash from real U-Boot
// (Debian's qemu_arm64 and qemu_arm builds) with --reader binary: the
// reader is uploaded as a standalone uImage, bootm runs it, its first run
// reports gd, the jump table found in gd answers the confirming run, and
// the flash streams through it, each chunk still checked by crc32. On
// arm64 a second dump goes through a relay that flips one byte in 10^5:
// identical, the damaged blocks sent again and counted.
func TestRealUBootBinaryReader(t *testing.T) {
	img := randomBytes(1<<20, 41)
	for _, tc := range []struct {
		name  string
		start func(testing.TB, []byte) *qemutest.Board
	}{
		{"arm64", qemutest.StartARM64},
		{"arm", qemutest.Start},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			board := tc.start(t, img)
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, stderr := dumpOK(t, img, "-p", board.Port, "--addr", "0x04000000", "--size", "1M", "-o", out, "--reader", "binary")
			if r.Device.Command != "binary reader ("+tc.name+")" || r.ChunksDumped != 16 {
				t.Fatalf("result %+v: want 16 chunks read by the %s binary reader", r, tc.name)
			}
			if !strings.Contains(stderr, "the binary reader runs ("+tc.name+", bootm 0x") {
				t.Fatalf("the log does not say the reader runs:\n%s", stderr)
			}
			if tc.name != "arm64" {
				return
			}
			// One byte in 10^5 flipped on its way from the board.
			noisy, stats := noisyRelay(t, strings.TrimPrefix(board.Port, "tcp://"), 1e-5, 0)
			out = filepath.Join(t.TempDir(), "noisy.bin")
			_, stderr = dumpOK(t, img, "-p", noisy, "--addr", "0x04000000", "--size", "1M", "-o", out, "--reader", "binary")
			flips, _ := stats()
			if flips == 0 || !strings.Contains(stderr, "the binary reader sent ") {
				t.Fatalf("%d bytes flipped; the log does not count blocks sent again:\n%s", flips, stderr)
			}
		})
	}
}

// TestRealUBootBinaryReaderRISCV64 dumps 1 MiB of random flash from
// Debian's qemu-riscv64 U-Boot with the default reader: the RISC-V 64
// reader runs (its flash is the virt board's second, at 0x22000000),
// identical.
func TestRealUBootBinaryReaderRISCV64(t *testing.T) {
	img := randomBytes(1<<20, 44)
	board := qemutest.StartRISCV64(t, img)
	out := filepath.Join(t.TempDir(), "flash.bin")
	r, stderr := dumpOK(t, img, "-p", board.Port, "--addr", fmt.Sprintf("%#x", qemutest.RISCV64Flash1Base), "--size", "1M", "-o", out)
	if r.Device.Command != "binary reader (riscv64)" || r.ChunksDumped != 16 {
		t.Fatalf("result %+v: want 16 chunks read by the riscv64 binary reader\n%s", r, stderr)
	}
}
