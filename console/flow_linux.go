package console

import (
	"golang.org/x/sys/unix"
)

// setFlowControl sets RTS/CTS or XON/XOFF on a serial device. Termios
// belongs to the tty, not to a file descriptor, so a second descriptor can
// change what the first one uses (go.bug.st/serial does not expose its own).
func setFlowControl(path, flow string) error {
	if flow == "" || flow == FlowNone {
		return nil
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	switch flow {
	case FlowRTSCTS:
		t.Cflag |= unix.CRTSCTS
	case FlowXONXOFF:
		t.Iflag |= unix.IXON | unix.IXOFF
	default:
		return errUnknownFlow
	}
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
