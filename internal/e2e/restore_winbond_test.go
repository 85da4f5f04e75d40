package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/internal/uartrelay"
	"github.com/bootdump/bootdump/sim"
)

// The tests here run side by side: they mostly wait (the loader's
// receiver waits 4 s before each upload).

// damagedCamera is the seed's camera with its romfs.img spoilt in flash:
// the table still lists it, its blocks hold something else.
func damagedCamera(t testing.TB) (*camera, []byte) {
	cam := buildCamera(t)
	flash := bytes.Clone(cam.flash)
	copy(flash[0xe0000+0x1000:], randomBytes(0x8000, 31))
	return cam, flash
}

type imageRestore struct {
	Same     bool
	Commands []string
	Written  bool
	Uploaded uint64
	Checked  uint64
	Image    struct {
		Num              int
		Name             string
		Base, Size, Exec uint64
		Flags            string
	}
}

// TestRestoreWinbondImage: the seed's author backs up romfs.img with dump
// --image, and writes it back with restore --image into a camera whose
// romfs is spoilt. The plan uploads to RAM first (MX, since FX deletes the
// old image before its own upload) and then by FX; the transcript holds
// those commands in that order; LS lists the image; a dump back is
// identical; the same restore again writes nothing.
func TestRestoreWinbondImage(t *testing.T) {
	t.Parallel()
	cam, flash := damagedCamera(t)
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images, BootDelay: -1})
	dir := t.TempDir()
	backup := filepath.Join(dir, "romfs.img")
	dumpOK(t, cam.romfs, "-p", board.Path, "--image", "romfs.img", "-o", backup)

	spoilt := ptyBoard(t, sim.Config{Dialect: "winbond", Image: flash, Images: cam.images, BootDelay: -1})
	stdout, stderr, code := run(t, "restore", "-p", spoilt.Path, backup, "--image", "romfs.img", "--dry-run", "--json")
	var plan imageRestore
	if code != 0 || json.Unmarshal([]byte(stdout), &plan) != nil || plan.Same || plan.Image.Num != 2 || plan.Image.Size != 0xc3c00 {
		t.Fatalf("dry run: exit %d, %+v: %s", code, plan, stderr)
	}
	want := []string{"MX 0x100000", "FX 2 romfs.img 0x7f0e0000 0x7f0e0000 -af"}
	if len(plan.Commands) < 2 || plan.Commands[0] != want[0] || plan.Commands[1] != want[1] ||
		!strings.Contains(stderr, "upload: 783 KiB twice: to RAM first (MX), then by FX") {
		t.Fatalf("dry run commands %q:\n%s", plan.Commands, stderr)
	}

	transcript := filepath.Join(dir, "restore.log")
	stdout, stderr, code = run(t, "restore", "-p", spoilt.Path, backup, "--image", "romfs.img", "--yes", "--json", "--transcript", transcript)
	var res imageRestore
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || !res.Written || res.Checked != 0xc3c00 || res.Uploaded != 2*0xc3c00 {
		t.Fatalf("restore: exit %d, %+v: %s", code, res, stderr)
	}
	raw, _ := os.ReadFile(transcript)
	log := string(raw)
	mx, fx := strings.Index(log, want[0]+"\n"), strings.Index(log, want[1]+"\n")
	if mx < 0 || fx < mx || !strings.Contains(log[fx:], "Do you want to delete it?") || !strings.Contains(log[fx:], "Flash programming") {
		t.Fatalf("the transcript does not hold MX then FX (at %d, %d)", mx, fx)
	}
	if stdout, _, _ := run(t, "info", "-p", spoilt.Path); !strings.Contains(stdout, "romfs.img  0x7f0e0000  0xc3c00") {
		t.Fatalf("info after the restore:\n%s", stdout)
	}
	dumpOK(t, cam.romfs, "-p", spoilt.Path, "--image", "romfs.img", "-o", filepath.Join(dir, "back.img"))
	sameFile(t, filepath.Join(dir, "back.img"), cam.romfs)

	stdout, stderr, code = run(t, "restore", "-p", spoilt.Path, backup, "--image", "romfs.img", "--yes", "--json")
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || !res.Same || !strings.Contains(stderr, "nothing to write") {
		t.Fatalf("the same again: exit %d, %+v: %s", code, res, stderr)
	}
}

// TestRestoreWinbondImageNotListed: a camera whose flash was wiped lists
// no image; the dump's record says where romfs.img goes, and FX writes it
// once (nothing to keep safe, so no upload to RAM first).
func TestRestoreWinbondImageNotListed(t *testing.T) {
	t.Parallel()
	cam := buildCamera(t)
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images, BootDelay: -1})
	dir := t.TempDir()
	backup := filepath.Join(dir, "romfs.img")
	dumpOK(t, cam.romfs, "-p", board.Path, "--image", "romfs.img", "-o", backup)

	wiped := bytes.Repeat([]byte{0xff}, len(cam.flash))
	copy(wiped, cam.flash[:0x10000]) // the boot loader survives
	empty := ptyBoard(t, sim.Config{Dialect: "winbond", Image: wiped, BootDelay: -1})
	stdout, stderr, code := run(t, "restore", "-p", empty.Path, backup, "--image", "romfs.img", "--yes", "--json")
	var res imageRestore
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || !res.Written || res.Uploaded != 0xc3c00 ||
		!strings.Contains(stderr, "records it: the table does not list it") {
		t.Fatalf("restore: exit %d, %+v: %s", code, res, stderr)
	}
	dumpOK(t, cam.romfs, "-p", empty.Path, "--image", "romfs.img", "-o", filepath.Join(dir, "back.img"))

	// Without a record, nothing says where it goes.
	bare := filepath.Join(dir, "bare.img")
	writeFile(t, bare, cam.romfs)
	_, stderr, code = run(t, "restore", "-p", empty.Path, bare, "--image", "linux.bin", "--yes")
	if code != 1 || !strings.Contains(stderr, "the image table lists no linux.bin (it lists romfs.img), and nothing says where it goes") {
		t.Fatalf("no entry: exit %d: %s", code, stderr)
	}
}

// TestRestoreWinbondImageCut: the line is cut halfway through the upload
// to RAM. Cut once, bootdump dials again and writes the image all the
// same. Cut at every try, it stops: the command says nothing was written
// and that the old image is still listed (it dialled once more and listed
// the table, the board's receiver cancelled), and a dump shows it intact.
func TestRestoreWinbondImageCut(t *testing.T) {
	t.Parallel()
	cam, flash := damagedCamera(t)
	old := bytes.Clone(flash[0xe0000 : 0xe0000+0xc3c00])
	dir := t.TempDir()
	backup := writeFile(t, filepath.Join(dir, "romfs.img"), cam.romfs)
	// Half of the upload's 6264 blocks are acknowledged, then the cable
	// is pulled.
	for _, c := range []struct {
		cuts    []int
		code    int
		message string
	}{
		{[]int{3000}, 0, "done: LS lists image 2 romfs.img"},
		{[]int{3000, 3000, 3000}, 1, "the flash was not touched: image 2 romfs.img is still listed at 0x7f0e0000, as it was"},
	} {
		port := tcpBoard(t, sim.Config{Dialect: "winbond", Image: bytes.Clone(flash), Images: cam.images, BootDelay: -1})
		relay := cutRelay(t, strings.TrimPrefix(port, "tcp://"), "\x06", c.cuts...)
		stdout, stderr, code := run(t, "restore", "-p", relay, backup, "--image", "romfs.img", "--yes", "--reconnect-timeout", "20s")
		if code != c.code || !strings.Contains(stdout+stderr, c.message) || !strings.Contains(stderr, "MX 0x100000: the upload failed; trying again (2 of 3)") {
			t.Fatalf("cut %d times: exit %d: %s%s", len(c.cuts), code, stdout, stderr)
		}
		if code == 0 {
			dumpOK(t, cam.romfs, "-p", port, "--image", "romfs.img", "-o", filepath.Join(t.TempDir(), "new.img"))
			continue
		}
		if !strings.Contains(stderr, "bootdump: the upload to RAM failed: MX 0x100000: the upload failed: block ") {
			t.Fatalf("cut %d times: %s", len(c.cuts), stderr)
		}
		dumpOK(t, old, "-p", port, "--image", "romfs.img", "-o", filepath.Join(t.TempDir(), "old.img"))
	}
}

// TestRestoreWinbondImageCutInFX: the line is cut halfway through FX's
// own upload, each of three tries: FX had deleted the old image, and the
// command says so, with the entry to write it again by; with --entry, the
// same restore writes it.
func TestRestoreWinbondImageCutInFX(t *testing.T) {
	t.Parallel()
	cam, flash := damagedCamera(t)
	dir := t.TempDir()
	backup := writeFile(t, filepath.Join(dir, "romfs.img"), cam.romfs) // no dump record
	port := tcpBoard(t, sim.Config{Dialect: "winbond", Image: flash, Images: cam.images, BootDelay: -1})
	// MX's 6264 blocks, then half of FX's; then half of each FX again.
	relay := cutRelay(t, strings.TrimPrefix(port, "tcp://"), "\x06", 6264+3000, 3000, 3000)
	_, stderr, code := run(t, "restore", "-p", relay, backup, "--image", "romfs.img", "--yes", "--reconnect-timeout", "20s")
	want := "it had deleted image 2 romfs.img before its upload: the table lists no image 2 now; run the same restore again to write it (the entry for it: --entry \"2 0x7f0e0000 0x7f0e0000 af\")"
	if code != 1 || !strings.HasSuffix(strings.TrimSpace(stderr), want) {
		t.Fatalf("cut in FX: exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, "restore", "-p", port, backup, "--image", "romfs.img", "--yes")
	if code != 1 || !strings.Contains(stderr, "the image table lists no romfs.img (it lists linux.bin)") {
		t.Fatalf("without --entry: exit %d: %s", code, stderr)
	}
	if _, stderr, code = run(t, "restore", "-p", port, backup, "--image", "romfs.img", "--entry", "2 0x7f0e0000 0x7f0e0000 fa", "--yes"); code != 0 {
		t.Fatalf("with --entry: exit %d: %s", code, stderr)
	}
	dumpOK(t, cam.romfs, "-p", port, "--image", "romfs.img", "-o", filepath.Join(dir, "back.img"))
}

// cutRelay is a relay that cuts its i-th connection once the device has
// printed marker cutsAt[i] times in it; later connections go through.
func cutRelay(t *testing.T, target, marker string, cutsAt ...int) string {
	var mu sync.Mutex
	conns, seen := 0, 0
	var tail []byte
	return relay(t, target, func(b []byte) ([]byte, bool) {
		mu.Lock()
		defer mu.Unlock()
		if conns >= len(cutsAt) {
			return b, false
		}
		text := append(tail, b...)
		seen += bytes.Count(text, []byte(marker))
		tail = bytes.Clone(text[max(0, len(text)-len(marker)+1):])
		if seen < cutsAt[conns] {
			return b, false
		}
		conns, seen, tail = conns+1, 0, nil
		return b, true
	})
}

// BenchmarkRestoreWinbondImage writes the seed's romfs.img (783 KiB) back
// into the simulated camera, replacing a spoilt one, through a relay paced
// like a UART at 115200 baud with an FTDI adapter's 16 ms latency: MX, FX
// and the read-back. It reports the whole time and the plan's estimate.
// About 9 min: `go test ./internal/e2e -run - -bench RestoreWinbondImage -benchtime 1x`.
func BenchmarkRestoreWinbondImage(b *testing.B) {
	cam, flash := damagedCamera(b)
	backup := writeFile(b, filepath.Join(b.TempDir(), "romfs.img"), cam.romfs)
	for range b.N {
		port := uartPort(b, simTCP(b, sim.Config{Dialect: "winbond", Image: bytes.Clone(flash), Images: cam.images, BootDelay: -1}), uartrelay.FTDI(115200))
		stdout, stderr, code := run(b, "restore", "-p", port, backup, "--image", "romfs.img", "--dry-run", "--json")
		var plan struct {
			EstimateSeconds float64 `json:"estimate_seconds"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &plan) != nil {
			b.Fatalf("dry run: exit %d: %s", code, stderr)
		}
		start := time.Now()
		if _, stderr, code := run(b, "restore", "-p", port, backup, "--image", "romfs.img", "--yes"); code != 0 {
			b.Fatalf("restore: exit %d: %s", code, stderr)
		}
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "s")
		b.ReportMetric(plan.EstimateSeconds, "estimate-s")
		b.ReportMetric(took.Seconds()/plan.EstimateSeconds, "took/estimate")
	}
}

// TestRestoreWinbondWholeFlash: a dump of the camera's whole flash is
// written back with BX, which writes from the flash's start: only with
// --write-bootloader (its first block is the loader's own), and only where
// the flash is known to hold it (the dump's record says so; a copy without
// it, on a board whose banner bootdump did not see, is refused). Then the
// table lists both images again and each dumps identical.
func TestRestoreWinbondWholeFlash(t *testing.T) {
	t.Parallel()
	cam, flash := damagedCamera(t)
	board := ptyBoard(t, sim.Config{Dialect: "winbond", Image: cam.flash, Images: cam.images, BootDelay: -1})
	dir := t.TempDir()
	full := filepath.Join(dir, "full.bin")
	dumpOK(t, cam.flash, "-p", board.Path, "--addr", "0x7f000000", "--size", "2M", "-o", full)

	spoilt := ptyBoard(t, sim.Config{Dialect: "winbond", Image: flash, Images: cam.images, BootDelay: -1})
	_, stderr, code := run(t, "restore", "-p", spoilt.Path, full, "--addr", "0x7f000000", "--yes")
	if code != 1 || !strings.Contains(stderr, "bootdump: BX writes from the flash's start, and its first erase block (0x7f000000..0x7f00ffff) is the boot loader's own") {
		t.Fatalf("without --write-bootloader: exit %d: %s", code, stderr)
	}
	bare := writeFile(t, filepath.Join(dir, "bare.bin"), cam.flash)
	_, stderr, code = run(t, "restore", "-p", spoilt.Path, bare, "--addr", "0x7f000000", "--yes", "--write-bootloader")
	if code != 1 || !strings.Contains(stderr, "the flash's size is not known: BX past its end never returns") {
		t.Fatalf("no record, no banner: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := run(t, "restore", "-p", spoilt.Path, full, "--addr", "0x7f000000", "--yes", "--write-bootloader")
	if code != 0 || !strings.Contains(stdout, "done: the 2 MiB from 0x7f000000 read back are the file's") {
		t.Fatalf("restore: exit %d: %s%s", code, stdout, stderr)
	}
	dumpOK(t, cam.romfs, "-p", spoilt.Path, "--image", "romfs.img", "-o", filepath.Join(dir, "romfs.img"))
	dumpOK(t, cam.linux, "-p", spoilt.Path, "--image", "linux.bin", "-o", filepath.Join(dir, "linux.bin"))
}
