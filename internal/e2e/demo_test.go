package e2e

import (
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
