package binreader

import (
	"strings"
	"testing"
)

// clockOf is the clock a divisor d for rate means.
func clockOf(kind int, d uint32, rate int) uint64 {
	if kind == UARTPL011 {
		return uint64(d) * uint64(rate) / 4
	}
	if kind == UARTAR933x && d&0xffff != 0 {
		return uint64(rate) * uint64(d>>16+1) << 17 / uint64(d&0xffff)
	}
	return uint64(d) * uint64(rate) * 16
}

func TestScaleDivisor(t *testing.T) {
	for _, tc := range []struct {
		kind     int
		old      uint32
		from, to int
		want     uint32
		fails    string
	}{
		{UART16550, 8, 115200, 921600, 1, ""},                   // a 14.7456 MHz clock
		{UART16550, 2, 115200, 230400, 1, ""},                   // QEMU's virt 16550, 3.6864 MHz
		{UART16550, 2, 115200, 921600, 0, "needs a divisor of"}, // a quarter
		{UART16550, 22, 115200, 921600, 0, "% off"},             // 40 MHz: 3 gives 844800
		{UART16550, 8, 921600, 115200, 64, ""},                  // and back
		{UARTPL011, 13<<6 | 1, 115200, 921600, 1<<6 | 40, ""},   // 24 MHz: 1.625 gives 923077
		{UARTPL011, 13<<6 | 1, 115200, 3000000, 0, "needs a divisor of"},
		{UARTPL011, 0, 115200, 921600, 0, "left it unset"}, // QEMU's virt PL011
		// AR933x at 25 MHz: U-Boot's scale 20, step 12683 for 115200
		// (115194 baud) tells a clock of 25.0011 MHz, at which scale 1,
		// step 9663 gives 921577; and back, step 604 at scale 0
		{UARTAR933x, 20<<16 | 12683, 115200, 921600, 1<<16 | 9663, ""},
		{UARTAR933x, 4832, 921600, 115200, 604, ""},
		{UARTAR933x, 20<<16 | 12683, 115200, 3000000, 0, "beyond the UART's reach"}, // step 15729 > 0x3333
		{UARTAR933x, 20 << 16, 115200, 921600, 0, "left it unset"},
	} {
		got, err := ScaleDivisor(tc.kind, tc.old, tc.from, tc.to)
		if clocked, cerr := DivisorFor(tc.kind, clockOf(tc.kind, tc.old, tc.from), tc.to); tc.fails != "left it unset" && (clocked != got || (cerr == nil) != (err == nil)) {
			t.Errorf("kind %d: from the clock %d, %v; scaled %d, %v", tc.kind, clocked, cerr, got, err)
		}
		switch {
		case tc.fails == "" && (err != nil || got != tc.want):
			t.Errorf("kind %d, %d at %d, to %d: %d, %v; want %d", tc.kind, tc.old, tc.from, tc.to, got, err, tc.want)
		case tc.fails != "" && (err == nil || !strings.Contains(err.Error(), tc.fails)):
			t.Errorf("kind %d, %d at %d, to %d: %d, %v; want an error saying %q", tc.kind, tc.old, tc.from, tc.to, got, err, tc.fails)
		}
	}
}
