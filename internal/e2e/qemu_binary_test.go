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
// identical, the damaged blocks sent again and counted. On arm a second
// dump asks --fast-baud 921600, which U-Boot's table refuses: the reader
// sets the PL011's divisor itself.
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
			if tc.name == "arm" {
				// U-Boot's table refuses 921600, and its PL011 driver
				// left the divisor 0 (QEMU's runs at any rate): the
				// reader sets the one the device tree's 24 MHz clock
				// gives, reads it back, and at the end sets 115200's.
				fastBaudByReader(t, board, "0x04000000", img, 921600,
					"the reader set /pl011@9000000's divisor to 0x68 for 921600 baud (U-Boot's for 115200: 0x0); it reads back so",
					"the reader set /pl011@9000000's divisor to 0x341 for 115200 baud (U-Boot's for 115200: 0x0); it reads back so")
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
			// The board was not reset: a third dump finds the reader in
			// RAM, checked by crc32, and does not upload it again.
			out = filepath.Join(t.TempDir(), "again.bin")
			_, stderr = dumpOK(t, img[:256<<10], "-p", board.Port, "--addr", "0x04000000", "--size", "256K", "-o", out, "--reader", "binary")
			if !strings.Contains(stderr, "the binary reader is still in RAM at 0x") || strings.Contains(stderr, "putting the binary reader on the board") {
				t.Fatalf("the reader was put on the board again:\n%s", stderr)
			}
		})
	}
}

// TestRealUBootBinaryReaderRISCV64 dumps 1 MiB of random flash from
// Debian's qemu-riscv64 U-Boot with the default reader: the RISC-V 64
// reader runs (its flash is the virt board's second, at 0x22000000),
// identical. Then with --fast-baud 230400, which U-Boot's table refuses:
// the reader finds the console's 16550 in U-Boot's device tree, sets its
// divisor from U-Boot's 2 (3.6864 MHz, 115200) to 1, reads it back, and
// sets 2 again at the end, after which the console still answers; 921600
// would need a quarter, and is refused as such.
func TestRealUBootBinaryReaderRISCV64(t *testing.T) {
	img := randomBytes(1<<20, 44)
	board := qemutest.StartRISCV64(t, img)
	addr := fmt.Sprintf("%#x", qemutest.RISCV64Flash1Base)
	out := filepath.Join(t.TempDir(), "flash.bin")
	r, stderr := dumpOK(t, img, "-p", board.Port, "--addr", addr, "--size", "1M", "-o", out)
	if r.Device.Command != "binary reader (riscv64)" || r.ChunksDumped != 16 {
		t.Fatalf("result %+v: want 16 chunks read by the riscv64 binary reader\n%s", r, stderr)
	}

	fastBaudByReader(t, board, addr, img, 230400,
		"the reader set /soc/serial@10000000's divisor to 0x1 for 230400 baud (U-Boot's for 115200: 0x2); it reads back so",
		"the reader set /soc/serial@10000000's divisor to 0x2 for 115200 baud (U-Boot's for 115200: 0x2); it reads back so")
	out = filepath.Join(t.TempDir(), "refused.bin")
	r, stderr = dumpOK(t, img[:64<<10], "-p", board.Port, "--addr", addr, "--size", "64K", "-o", out, "--fast-baud", "921600")
	if r.Baud != 115200 || !strings.Contains(stderr, "921600 baud needs a divisor of 0.25") {
		t.Fatalf("dumped at %d baud; the log does not say 921600 needs a quarter:\n%s", r.Baud, stderr)
	}
}

// fastBaudByReader dumps the first 256 KiB of img at addr with
// --fast-baud rate, which U-Boot's table refuses: the dump runs at rate,
// identical, and the log says what the reader set.
func fastBaudByReader(t *testing.T, board *qemutest.Board, addr string, img []byte, rate int, said ...string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "fast.bin")
	r, stderr := dumpOK(t, img[:256<<10], "-v", "-p", board.Port, "--addr", addr, "--size", "256K", "-o", out, "--reader", "binary", "--fast-baud", fmt.Sprint(rate))
	for _, want := range append([]string{fmt.Sprintf("U-Boot's table has no %d baud: the binary reader set the UART's divisor for it", rate)}, said...) {
		if !strings.Contains(stderr, want) || r.Baud != rate {
			t.Fatalf("dumped at %d baud; the log does not say %q:\n%s", r.Baud, want, stderr)
		}
	}
}
