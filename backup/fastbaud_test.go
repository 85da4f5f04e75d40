package backup_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// TestFastBaudTheLineCannotFollow: U-Boot's table refuses 921600 and the
// binary reader sets the UART's divisor, but the host's side stays at
// 115200 (an adapter that cannot take the rate): the reader's BDBR never
// comes through, it sets the old divisor again after its 2 s, and the
// session goes on at 115200, the dump identical.
func TestFastBaudTheLineCannotFollow(t *testing.T) {
	ctx := context.Background()
	flash := bytes.Repeat([]byte{0x5a, 0xa5, 0x3c}, 64<<10/3+1)[:64<<10]
	var log bytes.Buffer
	dial := func(context.Context) (console.Port, error) {
		return sim.Pipe(sim.Config{Image: flash, Baud: 115200, BaudRates: []int{115200}, BootDelay: -1,
			HostBaud: func() int { return 115200 }})
	}
	dev, err := backup.Connect(ctx, backup.Connection{Dial: dial, Baud: 115200, FastBaud: 921600,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}, dialect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(ctx)
	if dev.Baud != 115200 || !strings.Contains(log.String(), "did not come at 921600 baud") || !strings.Contains(log.String(), "the UART is back at 115200") {
		t.Fatalf("at %d baud; the log does not say the switch failed and the UART went back:\n%s", dev.Baud, log.String())
	}
	buf := make([]byte, len(flash))
	if _, err := backup.Dump(ctx, dev, backup.DumpOptions{Addr: 0x04000000, Size: uint64(len(flash)), To: dump.Memory(buf)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, flash) {
		t.Fatal("the dump differs")
	}
}
