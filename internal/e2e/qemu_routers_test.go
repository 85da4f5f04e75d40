package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/internal/uartrelay"
)

// maltaFlash is a Malta flash as the users would hold it: Debian's
// u-boot.bin at the start, 512 KiB of random data at 1 MiB, the rest
// erased.
func maltaFlash(t testing.TB, bits int, seed uint64) []byte {
	img := make([]byte, 2<<20)
	for i := range img {
		img[i] = 0xff
	}
	copy(img, qemutest.MaltaUBoot(t, bits))
	copy(img[1<<20:], randomBytes(512<<10, seed))
	return img
}

// TestRealUBootMalta dumps 2 MiB of Malta's flash from Debian's maltael
// (MIPS32) and malta64el (MIPS64) U-Boot with the default reader: the
// binary reader for the CPU version names, written and run through
// uncached KSEG1 (the builds have neither bootm's flush nor a loader, so
// it is typed in with mw.l), identical, with no crash, reset or retry.
// maltael is read through a relay paced like a UART at 115200 baud, and
// asked for --fast-baud 230400, which its table refuses: the reader must
// not touch its UART, which sits on an ISA bus at an I/O port only the
// board's code places (writing to the device tree's 0x3f8 would fault);
// on malta64el every address has 16 digits, where md.b must never run.
func TestRealUBootMalta(t *testing.T) {
	for _, tc := range []struct {
		bits  int
		arch  string
		addr  uint64
		paced bool
	}{
		{32, "mipsel", qemutest.MaltaFlash, true},
		{64, "mips64el", qemutest.MaltaFlash64, false},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			t.Parallel()
			img := maltaFlash(t, tc.bits, 51)
			board := qemutest.StartMalta(t, img, tc.bits)
			port := board.Port
			if tc.paced {
				r, err := uartrelay.Start(strings.TrimPrefix(port, "tcp://"), uartrelay.Options{Baud: 115200})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				port = "tcp://" + r.Addr
			}
			out := filepath.Join(t.TempDir(), "flash.bin")
			args := []string{"-p", port, "--addr", fmt.Sprintf("%#x", tc.addr), "--size", "2M", "-o", out, "-v"}
			if tc.paced {
				args = append(args, "--fast-baud", "230400")
			}
			r, stderr := dumpOK(t, img, args...)
			reader := "binary reader (" + tc.arch + ")"
			if r.Device.Command != reader || r.Resets != 0 || r.Retries != 0 {
				t.Fatalf("result %+v: want every chunk read by the %s, no reset, no retry\n%s", r, reader, stderr)
			}
			if tc.paced && (r.Baud != 115200 || !strings.Contains(stderr, "the UART /isa@0/serial@3f8 sits on /isa@0, which maps its addresses elsewhere")) {
				t.Fatalf("at %d baud; the log does not say why the reader left the UART alone:\n%s", r.Baud, stderr)
			}
			if !strings.Contains(stderr, "run by go through uncached KSEG1") {
				t.Fatalf("-v does not say the reader runs uncached:\n%s", stderr)
			}
		})
	}
}

// TestRealUBootRISCV64SMode dumps 1 MiB of RAM that QEMU loaded with
// random data, from Debian's qemu-riscv64_smode U-Boot under OpenSBI,
// with the binary reader: identical, and the setup read nothing OpenSBI
// keeps (S-mode may not: a load access fault would reset the board).
func TestRealUBootRISCV64SMode(t *testing.T) {
	ram := randomBytes(1<<20, 52)
	const at uint64 = 0x88000000
	board := qemutest.StartRISCV64SMode(t, ram, at)
	out := filepath.Join(t.TempDir(), "ram.bin")
	transcript := filepath.Join(t.TempDir(), "console.txt")
	r, stderr := dumpOK(t, ram, "-p", board.Port, "--addr", fmt.Sprintf("%#x", at), "--size", "1M", "-o", out, "--reader", "binary", "--transcript", transcript)
	if r.Device.Command != "binary reader (riscv64)" || r.Resets != 0 || r.Retries != 0 {
		t.Fatalf("result %+v: want the riscv64 binary reader, no reset, no retry\n%s", r, stderr)
	}
	log, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"access fault", "sbi_trap_error", "resetting"} {
		if strings.Contains(string(log), bad) {
			t.Fatalf("the console says %q:\n%s", bad, log)
		}
	}
}

// TestRealUBootMaltaRestore restores a 2 MiB backup of Malta's flash in
// which two 64 KiB sectors far apart differ, through a relay paced like a
// UART at 115200 baud. maltael has no loader (no loady, loadb, loadx or
// loads): the plan says the binary reader will take the upload, and the
// run puts it on the board with mw.l and uploads those two sectors alone,
// in minutes; the dry run's flash commands are the ones the run sends,
// in order; and QEMU's flash file then holds exactly the image.
func TestRealUBootMaltaRestore(t *testing.T) {
	flash := maltaFlash(t, 32, 53)
	board := qemutest.StartMalta(t, flash, 32)
	board.ProgramWordByWordMalta(t) // QEMU's flash times out U-Boot's buffered writes
	relay, err := uartrelay.Start(strings.TrimPrefix(board.Port, "tcp://"), uartrelay.Options{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })
	port := "tcp://" + relay.Addr
	img := bytes.Clone(flash)
	for _, at := range []int{0x110000, 0x150000} { // in the random half
		for i := at; i < at+0x10000; i++ {
			img[i] ^= 0xa5
		}
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	args := []string{"restore", "-p", port, path, "--addr", fmt.Sprintf("%#x", qemutest.MaltaFlash), "--json"}
	stdout, stderr, code := run(t, append(args, "--dry-run")...)
	var plan struct {
		Changed     int      `json:"changed"`
		Commands    []string `json:"commands"`
		UploadWay   string   `json:"upload_way"`
		UploadBytes uint64   `json:"upload_bytes"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &plan) != nil {
		t.Fatalf("dry run: exit %d, %s: %s", code, stdout, stderr)
	}
	if plan.Changed != 2 || plan.UploadWay != "binary reader" || plan.UploadBytes > 2*0x10000 || plan.UploadBytes < 2*0x10000-0x100 {
		t.Fatalf("plan %+v: want the 2 sectors, by the binary reader:\n%s", plan, stderr)
	}
	transcript := filepath.Join(t.TempDir(), "console.txt")
	start := time.Now()
	stdout, stderr, code = run(t, append(args, "--yes", "--transcript", transcript)...)
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	if r := restoreJSON(t, stdout); r.Written != 2 || r.Uploaded != plan.UploadBytes {
		t.Fatalf("restore %+v: want 2 sectors written, %d bytes uploaded:\n%s", r, plan.UploadBytes, stderr)
	}
	t.Logf("restored 2 sectors in %v (%d bytes uploaded by the binary reader)", took.Round(time.Second), plan.UploadBytes)
	if took > 5*time.Minute {
		t.Fatalf("the restore took %v", took)
	}
	sent, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	at := 0
	for _, c := range plan.Commands {
		if !strings.HasPrefix(c, "protect") && !strings.HasPrefix(c, "erase") && !strings.HasPrefix(c, "cp.b") && !strings.HasPrefix(c, "crc32") {
			continue // the reader's own steps, told in words
		}
		i := strings.Index(string(sent[at:]), c)
		if i < 0 {
			t.Fatalf("the plan's %q is not in what the run sent (after byte %d of the transcript)", c, at)
		}
		at += i + len(c)
	}
	// A byte of U-Boot's own first sector changed: the plan says what the
	// sector holds, the restore refuses it without --write-bootloader and
	// writes nothing, and with it writes that sector (and protects it
	// again, as U-Boot had it).
	img[0x8000] ^= 0x01
	writeFile(t, path, img)
	stdout, stderr, code = run(t, append(args, "--dry-run")...)
	if code != 0 || !strings.Contains(stderr, "warning: the erase block at 0xbe000000 holds U-Boot 2023.01+dfsg-2+deb12u3 (Jun 22 2026 - 08:38:07 +0000) in the image") {
		t.Fatalf("dry run of U-Boot's sector: exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, append(args, "--yes")...)
	if code != 1 || !strings.HasSuffix(strings.TrimSpace(stderr), "holds U-Boot 2023.01+dfsg-2+deb12u3 (Jun 22 2026 - 08:38:07 +0000) in the image, and flinfo marks it read-only: U-Boot protects its own code: writing it replaces the bootloader, and a write that fails there leaves a board only a flash programmer revives; check the image, then give --write-bootloader to write it") {
		t.Fatalf("U-Boot's sector without --write-bootloader: exit %d: %s", code, stderr)
	}
	stdout, stderr, code = run(t, append(args, "--yes", "--write-bootloader")...)
	if r := restoreJSON(t, stdout); code != 0 || r.Written != 1 {
		t.Fatalf("U-Boot's sector with --write-bootloader: exit %d, %+v: %s", code, r, stderr)
	}
	if err := board.Stop(); err != nil {
		t.Fatal(err)
	}
	// QEMU swaps Malta's flash words once, in memory, at power-on, and
	// writes back only the sectors programmed, as the CPU wrote them: in
	// the file (unswapped by FlashImage) those read swapped.
	want := bytes.Clone(img)
	for _, at := range []int{0, 0x110000, 0x150000} {
		for i := at; i < at+0x10000; i += 4 {
			want[i], want[i+1], want[i+2], want[i+3] = img[i+3], img[i+2], img[i+1], img[i]
		}
	}
	if got := board.FlashImage(t); !bytes.Equal(got[:len(want)], want) || !allFF(got[len(want):]) {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("QEMU's flash file does not hold exactly the image: from %#x it holds % x, the image % x", i, got[i:i+16], want[i:i+16])
			}
		}
		t.Fatal("QEMU's flash file changed past the image")
	}
}
