package xfer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// collect is a Line that keeps what is written (S-records go one way).
type collect struct{ bytes.Buffer }

func (c *collect) Next(context.Context, time.Duration) (byte, error) { return 0, ErrTimeout }

// TestSRecordsToObjcopy: what SendSRecords writes, GNU objcopy reads back
// (-I srec) to the same bytes, for sizes around a record's 32 bytes.
func TestSRecordsToObjcopy(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
			t.Fatal("objcopy (binutils) is missing, and BOOTDUMP_REQUIRE_TOOLS=1")
		}
		t.Skip("objcopy (binutils) is missing")
	}
	for _, n := range []int{1, 31, 32, 33, 2296, 70000} {
		want := data(n, uint64(n))
		var line collect
		if err := SendSRecords(context.Background(), &line, want, Options{}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		src, out := filepath.Join(dir, "f.srec"), filepath.Join(dir, "f.bin")
		if err := os.WriteFile(src, line.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(objcopy, "-I", "srec", "-O", "binary", src, out).CombinedOutput(); err != nil {
			t.Fatalf("objcopy of %d bytes: %v: %s", n, err, b)
		}
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: objcopy read back %d bytes that differ (%v)", n, len(got), err)
		}
	}
}
