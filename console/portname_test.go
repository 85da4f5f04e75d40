package console

import (
	"strings"
	"testing"
)

func TestNativeName(t *testing.T) {
	for _, c := range []struct{ goos, in, want, refused string }{
		{"windows", "COM3", "COM3", ""},
		{"windows", "com3", "COM3", ""},
		{"windows", "COM12", `\\.\COM12`, ""},
		{"windows", `\\.\COM12`, `\\.\COM12`, ""},
		{"windows", `\\.\com4`, "COM4", ""},
		{"windows", "/dev/ttyUSB0", "", "give its COM name, e.g. -p COM3"},
		{"darwin", "/dev/cu.usbserial-A50285BI", "/dev/cu.usbserial-A50285BI", ""},
		{"darwin", "/dev/tty.usbserial-A50285BI", "", "open /dev/cu.usbserial-A50285BI, not /dev/tty.usbserial-A50285BI"},
		{"darwin", "tty.SLAB_USBtoUART", "", "open /dev/cu.SLAB_USBtoUART"},
		{"linux", "/dev/ttyUSB0", "/dev/ttyUSB0", ""},
		{"linux", "ttyACM0", "/dev/ttyACM0", ""},
		{"linux", "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", ""},
		{"linux", "/dev/tty.usbserial", "/dev/tty.usbserial", ""},
		{"linux", "COM3", "", "is a Windows port name"},
		{"freebsd", "/dev/cuaU0", "/dev/cuaU0", ""},
	} {
		got, err := NativeName(c.goos, c.in)
		if c.refused != "" {
			if err == nil || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s %q: %q, %v; want refused with %q", c.goos, c.in, got, err, c.refused)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q: %q, %v; want %q", c.goos, c.in, got, err, c.want)
		}
	}
}
