package console

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// An FTDI adapter holds what it receives until its buffer fills or its
// latency timer runs out, 16 ms by default: every short answer (a prompt,
// an acknowledgement) waits that long. Linux's ftdi_sio driver shows the
// timer in sysfs; while bootdump holds the port it is set to 1 ms, and
// put back when the port closes.

// sysfsRoot is where Linux shows devices (a test's folder in tests).
var sysfsRoot = "/sys"

// fastLatency is the timer bootdump sets, in milliseconds.
const fastLatency = 1

// latencyTimer is the latency_timer file of the USB serial device at
// path (/dev/ttyUSB0, or a link to it such as /dev/serial/by-id/...), or
// "" where there is none (not an FTDI chip, not Linux).
func latencyTimer(path string) string {
	dev, err := filepath.EvalSymlinks(path)
	if err != nil {
		dev = path
	}
	f := filepath.Join(sysfsRoot, "bus", "usb-serial", "devices", filepath.Base(dev), "latency_timer")
	if _, err := os.Stat(f); err != nil {
		return ""
	}
	return f
}

// lowerLatency sets the latency timer of the device at path to 1 ms. It
// returns what puts the old value back, and what it did (for the log), or
// nil and "" where there is no timer or it cannot be written.
func lowerLatency(path string) (restore func(), did string) {
	f := latencyTimer(path)
	if f == "" {
		return nil, ""
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return nil, ""
	}
	old, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || old <= fastLatency {
		return nil, ""
	}
	if err := os.WriteFile(f, []byte(strconv.Itoa(fastLatency)), 0o644); err != nil {
		return nil, fmt.Sprintf("could not set %s's latency timer to %d ms (%v): short answers wait %d ms each", filepath.Base(path), fastLatency, err, old)
	}
	return func() { os.WriteFile(f, []byte(strconv.Itoa(old)), 0o644) },
		fmt.Sprintf("set %s's latency timer from %d ms to %d ms while bootdump holds it (%s)", filepath.Base(path), old, fastLatency, f)
}
