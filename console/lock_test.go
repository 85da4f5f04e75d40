//go:build unix

package console

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockPort(t *testing.T) {
	dir := t.TempDir()
	saved := LockDirs
	LockDirs = []string{dir}
	defer func() { LockDirs = saved }()

	unlock, err := lockPort("/dev/ttyUSB7")
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, "LCK..ttyUSB7")
	if b, err := os.ReadFile(lock); err != nil || string(b) != fmt.Sprintf("%10d\n", os.Getpid()) {
		t.Fatalf("lock file %q, %v", b, err)
	}
	_, err = lockPort("/dev/ttyUSB7")
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != os.Getpid() || !errors.Is(err, ErrBusy) ||
		!strings.Contains(err.Error(), fmt.Sprintf("/dev/ttyUSB7 is in use by process %d", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	if _, err := os.Stat(lock); err == nil {
		t.Fatal("unlock left the lock file")
	}

	// A device named by a link (as /dev/serial/by-id/... are) has the lock
	// of the device it names.
	dev := filepath.Join(dir, "ttyFAKE0")
	os.WriteFile(dev, nil, 0o644)
	link := filepath.Join(dir, "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0")
	if err := os.Symlink(dev, link); err != nil {
		t.Fatal(err)
	}
	unlock, err = lockPort(dev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockPort(link); !errors.Is(err, ErrBusy) {
		t.Fatalf("the same device by its link: %v, want busy", err)
	}
	unlock()

	// A lock whose process is gone is taken over.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "LCK..pts_4"), fmt.Appendf(nil, "%10d\n", gone.Process.Pid), 0o644)
	unlock, err = lockPort("/dev/pts/4")
	if err != nil {
		t.Fatalf("a stale lock was not taken over: %v", err)
	}
	unlock()
}
