package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// TestDumpOverPTY dumps a 1 MiB image from the simulator over a real
// pseudo-terminal in both byte orders and both md layouts, with md.b and
// with the widest width; the big-endian image starts with erased flash
// (dumped: --no-skip) so the byte order can only be learned from later data.
func TestDumpOverPTY(t *testing.T) {
	const size = 1 << 20
	cases := []struct {
		order, layout string
		bits, width   int
		wantCmd       string
	}{
		{"le", "new", 32, 0, "md.l"},
		{"le", "new", 32, 1, "md.b"},
		{"le", "old", 32, 0, "md.l"},
		{"le", "old", 32, 1, "md.b"},
		{"be", "new", 32, 0, "md.l"},
		{"be", "new", 32, 1, "md.b"},
		{"be", "old", 32, 0, "md.l"},
		{"be", "old", 32, 1, "md.b"},
		{"le", "new", 64, 0, "md.q"},
		{"be", "old", 64, 2, "md.w"},
	}
	for i, c := range cases {
		name := fmt.Sprintf("%s-%s-%dbit-%s", c.order, c.layout, c.bits, c.wantCmd)
		t.Run(name, func(t *testing.T) {
			img := randomBytes(size, uint64(i))
			if c.order == "be" {
				copy(img, bytes.Repeat([]byte{0xff}, 64<<10))
			}
			board := ptyBoard(t, sim.Config{
				Image: img, BigEndian: c.order == "be", OldLayout: c.layout == "old", Bits64: c.bits == 64,
			})
			out := filepath.Join(t.TempDir(), "flash.bin")
			r, _ := dumpOK(t, img, "-p", board.Path, "--addr", "0x04000000", "--size", "1M",
				"-o", out, "--width", fmt.Sprint(c.width), "--no-skip", "--reader", "md")
			// Known from version's compiler, before any read: md.b, which
			// needs none, and the erased start, which tells none, too.
			want := map[string]string{"le": "little", "be": "big"}[c.order]
			if r.Device.ByteOrder != want || r.Device.Command != c.wantCmd {
				t.Fatalf("device %+v, want %s byte order read with %s", r.Device, want, c.wantCmd)
			}
			rec, err := dump.ReadRecord(dump.RecordPath(out))
			if err != nil || rec.State != dump.StateComplete || len(rec.Chunks) != 16 {
				t.Fatalf("record %+v, %v", rec, err)
			}
			for _, ch := range rec.Chunks {
				if ch.Verified != dump.VerifiedCRC32 {
					t.Fatalf("chunk at %#x verified by %q", ch.Offset, ch.Verified)
				}
			}
		})
	}
}
