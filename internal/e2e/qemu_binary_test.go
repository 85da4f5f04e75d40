package e2e

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/internal/qemutest"
)

// TestRealUBootBinaryReader puts the binary reader on real U-Boot
// (Debian's qemu_arm64 and qemu_arm builds): bootm runs it as a
// standalone program, its first run reports gd, the jump table found in
// gd answers the confirming run, and 1 MiB of random flash streams
// through it identical.
func TestRealUBootBinaryReader(t *testing.T) {
	img := randomBytes(1<<20, 41)
	for _, tc := range []struct {
		name  string
		start func(testing.TB, []byte) *qemutest.Board
	}{
		{"arm64", qemutest.StartARM64},
		{"arm", qemutest.Start},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			board := tc.start(t, img)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			dev, err := backup.Connect(ctx, backup.Connection{Port: board.Port, Dialect: "uboot"}, dialect.Options{Addr: qemutest.Flash1Base, Size: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close(ctx)
			s := dev.Session.(*uboot.Session)
			r, err := s.StartBinaryReader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 1<<20)
			start := time.Now()
			for off := 0; off < len(got); off += 64 << 10 {
				if err := r.ReadMemory(ctx, qemutest.Flash1Base+uint64(off), got[off:off+64<<10], nil); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, img) {
				t.Fatal("the binary reader's bytes differ from the flash")
			}
			t.Logf("%s: 1 MiB in %v, %d blocks sent again", tc.name, time.Since(start).Round(time.Millisecond), r.Retransmitted)
		})
	}
}
