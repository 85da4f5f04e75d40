package uboot

import (
	"context"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/sim"
)

// On 1.1.x the console's UART comes from the SoC's ID register: the
// simulated MT7628 (console on its third UART Lite) and AR9330.
func TestSoCUART(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sim.Config
		want consoleUART
	}{
		{"ralink", sim.Config{Dialect: "ralink", Baud: 57600},
			consoleUART{path: "the MT7628's UART Lite at 0x10000e00", base: 0xb0000e00, kind: binreader.UART16550, shift: 2, words: true, clock: 40000000}},
		{"lsdk", sim.Config{Dialect: "lsdk", BigEndian: true},
			consoleUART{path: "the AR933x's UART at 0x18020000", base: 0xb8020000, kind: binreader.UARTAR933x}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Image, cfg.BootDelay = make([]byte, 64<<10), -1
			s := openSim(t, cfg, 0, 0)
			s.name = tc.name
			got, err := s.findUART(context.Background())
			if err != nil || got != tc.want {
				t.Fatalf("%+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	s := openSim(t, sim.Config{Image: make([]byte, 64<<10), BootDelay: -1}, 0, 0)
	s.name = "someone's"
	if _, err := s.socUART(context.Background()); err == nil || !strings.Contains(err.Error(), "no build whose SoC bootdump can tell") {
		t.Fatalf("a build of no known SoC: %v", err)
	}
}
