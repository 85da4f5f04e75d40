package sim

import (
	"os"

	"golang.org/x/sys/unix"
)

// ptyBaud is the line rate the host set on the terminal's slave side; on
// Linux the master's TCGETS2 reports the slave's settings. Control keeps
// the descriptor alive (and non-blocking) during the call, so a concurrent
// Close is safe.
func ptyBaud(master *os.File) int {
	rc, err := master.SyscallConn()
	if err != nil {
		return 0
	}
	baud := 0
	rc.Control(func(fd uintptr) {
		if t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS2); err == nil {
			baud = int(t.Ospeed)
		}
	})
	return baud
}

func setSpeed(f *os.File, baud int) {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS2)
	if err != nil {
		return
	}
	t.Cflag &^= unix.CBAUD
	t.Cflag |= unix.BOTHER
	t.Ispeed, t.Ospeed = uint32(baud), uint32(baud)
	unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS2, t)
}
