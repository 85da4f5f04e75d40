package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoOverTCP runs the demo with its pseudo-terminal path off: the
// board is served on TCP at 127.0.0.1 (as on a system without
// pseudo-terminals), the demo says so, and the backup is identical.
func TestDemoOverTCP(t *testing.T) {
	_, stderr, code := run(t, "demo", "--tcp")
	if code != 0 || !strings.Contains(stderr, "on tcp://127.0.0.1:") || !strings.Contains(stderr, "TCP (no pseudo-terminal)") ||
		!strings.Contains(stderr, "Identical: the backup matches") {
		t.Fatalf("demo --tcp: exit %d:\n%s", code, stderr)
	}
}

// TestDemoLeavesNothing: the demo's backup goes in a temporary folder that
// is removed at the end; --keep DIR keeps it there, with its record (DIR made if need be).
func TestDemoLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if _, stderr, code := run(t, "demo"); code != 0 {
		t.Fatalf("demo: exit %d:\n%s", code, stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the demo left %d entries in the temporary folder", len(left))
	}
	keep := filepath.Join(t.TempDir(), "demo") // not there yet: --keep makes it
	if _, stderr, code := run(t, "demo", "--keep", keep); code != 0 {
		t.Fatalf("demo --keep: exit %d:\n%s", code, stderr)
	}
	for _, name := range []string{"backup.bin", "backup.bin.bootdump.json"} {
		if _, err := os.Stat(filepath.Join(keep, name)); err != nil {
			t.Fatal(err)
		}
	}
}
