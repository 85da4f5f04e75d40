package console

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// comPort is a Windows serial port name, with or without the \\.\ prefix.
var comPort = regexp.MustCompile(`(?i)^(\\\\\.\\)?COM([0-9]{1,3})$`)

// NativeName checks a serial port's name as a user gives it, for the
// operating system goos (runtime.GOOS), and returns the name to open:
//
//   - Windows: COM3, and \\.\COM12 for COM10 and above (the only form the
//     system opens there); a Unix path is refused with advice.
//   - macOS: /dev/cu.*; a /dev/tty.* name is refused, since opening it
//     waits for a carrier that USB adapters never raise.
//   - Linux and the BSDs: a device path (/dev/ttyUSB0, /dev/ttyACM0,
//     /dev/serial/by-id/...); a bare name such as ttyUSB0 is taken from /dev.
func NativeName(goos, name string) (string, error) {
	if goos == "windows" {
		m := comPort.FindStringSubmatch(name)
		if m == nil {
			return "", fmt.Errorf("%q is not a Windows serial port: give its COM name, e.g. -p COM3 (bootdump ports lists them)", name)
		}
		n, _ := strconv.Atoi(m[2])
		if n >= 10 {
			return fmt.Sprintf(`\\.\COM%d`, n), nil
		}
		return fmt.Sprintf("COM%d", n), nil
	}
	if comPort.MatchString(name) {
		return "", fmt.Errorf("%q is a Windows port name: here a serial port is a device such as /dev/ttyUSB0 (bootdump ports lists them)", name)
	}
	if !strings.Contains(name, "/") {
		name = "/dev/" + name
	}
	if goos == "darwin" && strings.HasPrefix(path.Base(name), "tty.") {
		cu := path.Join(path.Dir(name), "cu."+strings.TrimPrefix(path.Base(name), "tty."))
		return "", fmt.Errorf("open %s, not %s: on macOS the tty. device waits for a carrier signal that USB serial adapters never raise", cu, name)
	}
	return name, nil
}
