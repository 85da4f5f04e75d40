package e2e

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/internal/qemutest"
)

// Real firmware consoles under QEMU: Open Firmware (OpenBIOS, SLOF) and
// the UEFI Shell. Each board boots once; its ROM is dumped twice, by the
// built-in dialect found on its own and by a profile this test writes
// from the console's documentation alone, and both must equal the image
// QEMU loaded.
func TestRealFirmwareConsoles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   func(testing.TB) *qemutest.Board
		addr    uint64
		want    func(t *testing.T) []byte
		profile string
		sync    string // how long the firmware takes to reach its prompt
	}{
		// .text of the first segment: the gap before it and the vectors
		// are written to as OpenBIOS runs.
		{"openbios", qemutest.StartOpenBIOS, 0xfff08000, func(t *testing.T) []byte { return elfSegment(t, qemutest.OpenBIOSImage, 0xfff08000, 64<<10) }, openBIOSProfile, "60s"},
		// slof.bin stays where QEMU loaded it, but for its first 64 KiB
		// (exception vectors and the data SLOF keeps there).
		{"slof", qemutest.StartSLOF, 0x20000, func(t *testing.T) []byte { return fileSlice(t, qemutest.SLOFImage, 0x20000, 64<<10) }, slofProfile, "90s"},
		{"uefi-shell", qemutest.StartOVMF, 0xfffc0000, func(t *testing.T) []byte { return fileSlice(t, qemutest.OVMFImage, -256<<10, 256<<10) }, uefiProfile, "180s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			board := tc.start(t)
			want := tc.want(t)
			size := fmt.Sprintf("%#x", len(want))
			addr := fmt.Sprintf("%#x", tc.addr)
			dir := t.TempDir()

			r, stderr := dumpOK(t, want, "-p", board.Port, "--addr", addr, "--size", size, "-o", filepath.Join(dir, "auto.bin"), "--sync-timeout", tc.sync, "-v")
			if r.Device.Dialect != tc.name {
				t.Fatalf("found %q, want %s\n%s", r.Device.Dialect, tc.name, stderr)
			}
			if strings.Contains(stderr, "baud rate is probably wrong") {
				t.Fatalf("escape sequences taken for a wrong baud rate:\n%s", stderr)
			}

			prof := filepath.Join(dir, tc.name+".toml")
			if err := os.WriteFile(prof, []byte(tc.profile), 0o644); err != nil {
				t.Fatal(err)
			}
			r, stderr = dumpOK(t, want, "-p", board.Port, "--dialect", prof, "--addr", addr, "--size", size, "-o", filepath.Join(dir, "profile.bin"), "--sync-timeout", tc.sync)
			if !strings.HasSuffix(r.Device.Dialect, "-profile") {
				t.Fatalf("read as %q, not by the profile\n%s", r.Device.Dialect, stderr)
			}
		})
	}
}

// elfSegment is n bytes from addr of the loadable segment of an ELF file
// that holds addr.
func elfSegment(t *testing.T, path string, addr uint64, n int) []byte {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Paddr <= addr && addr+uint64(n) <= p.Paddr+p.Filesz {
			b := make([]byte, n)
			if _, err := p.ReadAt(b, int64(addr-p.Paddr)); err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s has no segment that holds %#x+%#x", path, addr, n)
	return nil
}

// fileSlice is n bytes of a file from off (from its end when negative).
func fileSlice(t *testing.T, path string, off, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += len(b)
	}
	return b[off : off+n]
}

// The profiles a user writes from each console's documentation: IEEE
// 1275's dump ( addr len -- ) and the line it prints, EDK2's dmem.
const openBIOSProfile = `name = "openbios-profile"
prompts = ["0 > "]
wake = "\r"
settle = "\r"
ack = " ok"
errors = ["undefined word"]
[dump]
command = "{addr} {len} dump"
line = '^(?P<address>[0-9a-f]+)  (?P<data>(?:[0-9a-f]{2} ){8} (?:[0-9a-f]{2} ){8})  '
[checksum]
command = "1505 {addr} {len} bounds do 21 * i c@ + loop ffffffff and u."
algorithm = "djb2"
hex = true
result = '^(?P<sum>[0-9a-f]+)\s*$'
`

const slofProfile = `name = "slof-profile"
prompts = ["0 > "]
wake = "\r"
settle = "\r"
ack = " ok"
addr_bits = 64
errors = ["Undefined word"]
[dump]
command = "{addr} {len} dump"
align = 16
line = '^(?P<address>[0-9a-f]{8,16}):(?P<data>(?: [0-9a-f]{2}){16})  (?P<ascii>.{16})$'
ascii = "printable"
[checksum]
command = "1505 {addr} {len} bounds do 21 * i c@ + loop ffffffff and u."
algorithm = "djb2"
hex = true
result = '^(?P<sum>[0-9a-f]+)\s*$'
`

const uefiProfile = `name = "uefi-shell-profile"
prompts = ["Shell> "]
wake = "\r"
addr_bits = 64
skip = ["Memory Address "]
[[autoboot]]
marker = "to skip startup.nsh"
keys = "\u001b"
[dump]
command = "dmem 0x{addr} 0x{len}"
align = 16
line = '^  (?P<address>[0-9A-F]{8,16}): (?P<data>(?:[0-9A-F]{2}[ -]){15}[0-9A-F]{2})  \*'
`
