package qemutest

import (
	"os"
	"os/exec"
	"testing"
)

// The firmware consoles of Debian's QEMU, each with the image QEMU loads:
// what a dump of its ROM must match.
const (
	OpenBIOSImage = "/usr/share/qemu/openbios-ppc" // an ELF; its first segment is at 0xfff00000
	SLOFImage     = "/usr/share/qemu/slof.bin"     // loaded at 0
	OVMFImage     = "/usr/share/ovmf/OVMF.fd"      // mapped to end at 4 GiB
)

// StartOpenBIOS boots QEMU's PowerPC Mac (mac99) into OpenBIOS, which
// finds nothing to boot and stays at its Forth prompt.
func StartOpenBIOS(t testing.TB) *Board {
	t.Helper()
	qemu := firmwareQEMU(t, "qemu-system-ppc", "qemu-system-ppc", OpenBIOSImage, "qemu-system-data")
	return launch(t, qemu, "-M", "mac99", "-m", "128", "-bios", OpenBIOSImage, "-nographic", "-nic", "none", "-vga", "none", "-monitor", "none")
}

// StartSLOF boots QEMU's pseries machine into SLOF, which finds nothing
// to boot and stays at its Forth prompt.
func StartSLOF(t testing.TB) *Board {
	t.Helper()
	qemu := firmwareQEMU(t, "qemu-system-ppc64", "qemu-system-ppc", SLOFImage, "qemu-system-data")
	return launch(t, qemu, "-M", "pseries", "-m", "512", "-nographic", "-nic", "none", "-vga", "none", "-monitor", "none")
}

// StartOVMF boots QEMU's q35 PC into OVMF, which finds nothing to boot and
// starts its built-in UEFI Shell (after a 5-second countdown for
// startup.nsh).
func StartOVMF(t testing.TB) *Board {
	t.Helper()
	qemu := firmwareQEMU(t, "qemu-system-x86_64", "qemu-system-x86", OVMFImage, "ovmf")
	return launch(t, qemu, "-M", "q35", "-m", "256", "-bios", OVMFImage, "-nographic", "-nic", "none", "-vga", "none", "-monitor", "none")
}

func firmwareQEMU(t testing.TB, name, pkg, image, imagePkg string) string {
	t.Helper()
	qemu, err := exec.LookPath(name)
	if err != nil {
		need(t, name+" (Debian package "+pkg+")")
	}
	if _, err := os.Stat(image); err != nil {
		need(t, image+" (Debian package "+imagePkg+")")
	}
	return qemu
}
