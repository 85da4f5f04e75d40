package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An FTDI adapter's latency timer (Linux's sysfs, here a folder made like
// it) goes to 1 ms while the port is held and back to its 16 ms after;
// a device with no timer is left alone.
func TestLowerLatency(t *testing.T) {
	root := t.TempDir()
	old := sysfsRoot
	sysfsRoot = root
	t.Cleanup(func() { sysfsRoot = old })
	dir := filepath.Join(root, "bus", "usb-serial", "devices", "ttyUSB7")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	timer := filepath.Join(dir, "latency_timer")
	os.WriteFile(timer, []byte("16\n"), 0o644)
	read := func() string {
		b, _ := os.ReadFile(timer)
		return strings.TrimSpace(string(b))
	}
	restore, did := lowerLatency("/dev/ttyUSB7")
	if restore == nil || read() != "1" || !strings.Contains(did, "from 16 ms to 1 ms") {
		t.Fatalf("timer %q, said %q", read(), did)
	}
	restore()
	if read() != "16" {
		t.Fatalf("timer %q after close, want 16 back", read())
	}
	if restore, did := lowerLatency("/dev/ttyACM0"); restore != nil || did != "" {
		t.Fatalf("a device with no timer: %q", did)
	}
}
