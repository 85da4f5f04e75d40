package qemutest

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Malta is QEMU's MIPS Malta board with Debian's U-Boot builds for it:
// maltael (MIPS32 little-endian) and malta64el (MIPS64 little-endian),
// running from its 4 MiB CFI flash. Its address in U-Boot's map, through
// KSEG1: 0xbe000000 (sign-extended on 64-bit).
const (
	MaltaFlash   uint64 = 0xbe000000
	MaltaFlash64 uint64 = 0xffffffffbe000000
	maltaFlashSz        = 4 << 20
)

// MaltaUBoot is the u-boot.bin of Debian's maltael (bits 32) or
// malta64el (bits 64) build: what the board's flash must start with.
func MaltaUBoot(t testing.TB, bits int) []byte {
	t.Helper()
	b, err := os.ReadFile(maltaBoot(bits))
	if err != nil {
		need(t, maltaBoot(bits)+" (Debian package u-boot-qemu)")
	}
	return b
}

// DebianUBoot is the u-boot.bin of one of Debian's u-boot-qemu builds
// (qemu_arm, qemu_arm64, qemu-riscv64, maltael, qemu-ppce500, ...).
func DebianUBoot(t testing.TB, build string) []byte {
	t.Helper()
	path := "/usr/lib/u-boot/" + build + "/u-boot.bin"
	b, err := os.ReadFile(path)
	if err != nil {
		need(t, path+" (Debian package u-boot-qemu)")
	}
	return b
}

func maltaBoot(bits int) string {
	if bits == 64 {
		return "/usr/lib/u-boot/malta64el/u-boot.bin"
	}
	return "/usr/lib/u-boot/maltael/u-boot.bin"
}

// StartMalta boots the Malta board of the given width (32 or 64 bits)
// from flash (padded with 0xFF to 4 MiB; it must hold U-Boot's image at
// its start, as MaltaUBoot gives it). QEMU's Malta model presents its
// flash to a little-endian CPU with every 32-bit word swapped, so the file
// QEMU gets is swapped here, and FlashImage swaps it back.
func StartMalta(t testing.TB, flash []byte, bits int) *Board {
	t.Helper()
	name, cpu := "qemu-system-mipsel", []string{}
	if bits == 64 {
		name, cpu = "qemu-system-mips64el", []string{"-cpu", "MIPS64R2-generic"}
	}
	qemu, err := exec.LookPath(name)
	if err != nil {
		need(t, name+" (Debian package qemu-system-mips)")
	}
	if len(flash) > maltaFlashSz {
		t.Fatalf("flash image of %d bytes is larger than Malta's 4 MiB", len(flash))
	}
	img := bytes.Repeat([]byte{0xff}, maltaFlashSz)
	copy(img, flash)
	f := filepath.Join(t.TempDir(), "flash.bin")
	if err := os.WriteFile(f, swapWords(img), 0o644); err != nil {
		t.Fatal(err)
	}
	// No VGA: its ROM (vgabios-cirrus.bin) comes in a package apt installs
	// only as a recommendation, which scripts/test does not take.
	args := append([]string{"-M", "malta", "-m", "256", "-nographic", "-nic", "none", "-monitor", "none", "-vga", "none",
		"-drive", "if=pflash,format=raw,file=" + f}, cpu...)
	b := launch(t, qemu, args...)
	b.Flash, b.swapped = f, true
	return b
}

// swapWords reverses the bytes of each 32-bit word (objcopy
// --reverse-bytes=4).
func swapWords(b []byte) []byte {
	out := make([]byte, len(b))
	for i := 0; i+4 <= len(b); i += 4 {
		binary.BigEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(b[i:]))
	}
	return out
}

// FlashImage is what the board's flash holds as its CPU sees it (the file
// QEMU writes back at exit, unswapped where the board swaps it).
func (b *Board) FlashImage(t testing.TB) []byte {
	t.Helper()
	img, err := os.ReadFile(b.Flash)
	if err != nil {
		t.Fatal(err)
	}
	if b.swapped {
		img = swapWords(img)
	}
	return img
}

// need skips (or, under BOOTDUMP_REQUIRE_QEMU=1, fails) for a missing
// program or image.
func need(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("BOOTDUMP_REQUIRE_QEMU") == "1" {
		t.Fatalf("real U-Boot test cannot run: %s is missing, and BOOTDUMP_REQUIRE_QEMU=1", what)
	}
	t.Skipf("skipping the real U-Boot test: %s is missing; ./scripts/test installs it", what)
}
