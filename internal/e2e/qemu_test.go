package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/qemutest"
)

// TestRealUBoot dumps 2 MiB of the second CFI flash from U-Boot 2023.01
// under QEMU: random bytes with known patterns, every chunk verified by the
// board's crc32, the board caught during its autoboot countdown.
func TestRealUBoot(t *testing.T) {
	const size = 2 << 20
	img := randomBytes(size, 2023)
	copy(img, bytes.Repeat([]byte("bootdump reference flash image. "), 128))
	for i := range 256 {
		img[0x2000+i] = byte(i)
	}
	board := qemutest.Start(t, img)
	dir := t.TempDir()
	out, transcript := filepath.Join(dir, "nor1.bin"), filepath.Join(dir, "console.log")
	stdout, stderr, code := run(t, "dump", "-p", board.Port, "--addr", "0x04000000", "--size", "2M",
		"-o", out, "--transcript", transcript, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sameFile(t, out, img)
	r := parseResult(t, stdout)
	if r.Device.ByteOrder != "little" || r.Device.Command != "md.l" {
		t.Fatalf("device %+v, want little-endian md.l", r.Device)
	}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil || rec.State != dump.StateComplete || len(rec.Chunks) != 32 {
		t.Fatalf("record %+v, %v", rec, err)
	}
	for _, c := range rec.Chunks {
		if c.Verified != dump.VerifiedCRC32 {
			t.Fatalf("chunk at %#x verified by %q, want crc32", c.Offset, c.Verified)
		}
	}
	if !strings.HasPrefix(rec.Device.Version, "U-Boot 2023.01") {
		t.Fatalf("version %q", rec.Device.Version)
	}
	log, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	// Caught in the countdown: U-Boot never started its boot command.
	if !bytes.Contains(log, []byte("Hit any key to stop autoboot")) {
		t.Fatalf("the transcript shows no autoboot countdown:\n%.2000s", log)
	}
	if bytes.Contains(log, []byte("starting USB")) || bytes.Contains(log, []byte("Command 'load' failed")) {
		t.Fatalf("autoboot was not stopped: U-Boot ran its boot command:\n%.3000s", log)
	}
}
