//go:build unix

package console

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockPort claims a serial device with a LCK..NAME file holding this
// process's PID (ten digits and a newline, the HDB UUCP form). A lock left
// by a process that is gone is taken over; a folder this user may not
// write is passed over (the exclusive open still guards the device).
func lockPort(path string) (unlock func(), err error) {
	name := lockName(path)
	for _, dir := range LockDirs {
		lock := filepath.Join(dir, name)
		for range 2 {
			f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err == nil {
				_, werr := fmt.Fprintf(f, "%10d\n", os.Getpid())
				f.Close()
				if werr != nil {
					os.Remove(lock)
					return nil, werr
				}
				return func() { os.Remove(lock) }, nil
			}
			if !errors.Is(err, os.ErrExist) {
				break // not ours to write: the next folder
			}
			pid, alive := lockHolder(lock)
			if alive {
				return nil, &BusyError{Port: path, PID: pid, Program: programOf(pid), Lock: lock}
			}
			os.Remove(lock) // stale: its process is gone
		}
	}
	return func() {}, nil
}

// holder names the program that holds a port's lock ("" when none does).
func holder(path string) string {
	name := lockName(path)
	for _, dir := range LockDirs {
		if pid, alive := lockHolder(filepath.Join(dir, name)); alive {
			if p := programOf(pid); p != "" {
				return fmt.Sprintf("%s (process %d)", p, pid)
			}
			return fmt.Sprintf("process %d", pid)
		}
	}
	return ""
}

// lockName is the lock file's name for a device.
func lockName(path string) string {
	// One device has one lock, whatever link names it (/dev/serial/by-id/...).
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return "LCK.." + strings.ReplaceAll(strings.TrimPrefix(filepath.Clean(path), "/dev/"), "/", "_")
}

// lockHolder reads a lock file's PID (as text, or the old 4-byte binary
// form) and whether that process still runs.
func lockHolder(lock string) (int, bool) {
	b, err := os.ReadFile(lock)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil && len(b) == 4 {
		pid, err = int(b[0])|int(b[1])<<8|int(b[2])<<16|int(b[3])<<24, nil
	}
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

// programOf names a process, where the system says.
func programOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
