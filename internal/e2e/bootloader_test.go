package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bootdump/bootdump/internal/imagetest"
	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/sim"
)

// TestBootloaderInFlash dumps a flash as every real one begins: Debian's
// u-boot.bin, whose strings include U-Boot's own prompt, countdown and
// "resetting ...", and a block of every console text of every bootloader
// bootdump knows, at every alignment. Every dialect at every width reads
// it identical, and not one line of it is taken for a console event: no
// reset, no retry.
func TestBootloaderInFlash(t *testing.T) {
	flash := imagetest.BootloaderFlash(t, 2<<20)
	// The u-boot.bin strings (0x88000..0xa8000 holds the prompt, the
	// countdown, "resetting ...", <INTERRUPT>, the banner) and the block.
	const strings = 0x88000
	block := len(imagetest.EventBlock())
	cases := []struct {
		dialect string
		bits64  bool
		widths  []int
	}{
		{"uboot", false, []int{1, 2, 4}},
		{"uboot", true, []int{8}},
		{"winbond", false, []int{1, 2, 4}},
		{"cfe", false, []int{1, 2, 4, 8}},
		{"redboot", false, []int{1, 2, 4}},
		{"barebox", false, []int{1, 2, 4, 8}},
	}
	for _, c := range cases {
		board := ptyBoard(t, sim.Config{Dialect: c.dialect, Image: flash, Bits64: c.bits64})
		base := sim.DefaultBase(c.dialect)
		for _, w := range c.widths {
			for _, span := range [][2]int{{strings, 0x20000}, {1 << 20, block}} {
				t.Run(fmt.Sprintf("%s-%d-%#x", c.dialect, w, span[0]), func(t *testing.T) {
					out := filepath.Join(t.TempDir(), "flash.bin")
					want := flash[span[0] : span[0]+span[1]]
					r, _ := dumpOK(t, want, "-p", board.Path, "--addr", fmt.Sprintf("%#x", base+uint64(span[0])),
						"--size", fmt.Sprint(span[1]), "-o", out, "--width", fmt.Sprint(w), "--no-skip")
					if r.Resets != 0 || r.Retries != 0 {
						t.Fatalf("%d resets and %d retries counted on a clean line: data was taken for console events", r.Resets, r.Retries)
					}
				})
			}
		}
	}
}

// TestRealUBootBootloaderInFlash is the same on real U-Boot under QEMU:
// u-boot.bin at the start of the second flash and the block at 1 MiB, 2 MiB
// dumped identical with no reset or retry; then parse turns the dump's
// transcript back into the same image.
func TestRealUBootBootloaderInFlash(t *testing.T) {
	flash := imagetest.BootloaderFlash(t, 2<<20)
	board := qemutest.Start(t, flash)
	dir := t.TempDir()
	out, transcript := filepath.Join(dir, "nor1.bin"), filepath.Join(dir, "console.log")
	r, _ := dumpOK(t, flash, "-p", board.Port, "--addr", "0x04000000", "--size", "2M", "-o", out,
		"--transcript", transcript, "--reader", "md") // md's text is what parse reads
	if r.Resets != 0 || r.Retries != 0 {
		t.Fatalf("%d resets and %d retries counted: data was taken for console events", r.Resets, r.Retries)
	}
	// The erased chunks were skipped, not dumped: the transcript covers
	// the bootloader and the block, which parse must give back.
	parsed := filepath.Join(dir, "parsed.bin")
	if _, stderr, code := run(t, "parse", transcript, "-o", parsed, "--fill"); code != 0 {
		t.Fatalf("parse: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(parsed)
	if err != nil {
		t.Fatal(err)
	}
	// The erased gaps are filled with 0xff: what was erased.
	if len(got) < 1<<20+len(imagetest.EventBlock()) || string(got) != string(flash[:len(got)]) {
		t.Fatalf("parse of the transcript (%d bytes) is not the flash", len(got))
	}
}
