package restore

import (
	"bytes"
	"slices"
	"testing"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/uboot"
)

// The plan's commands for each flash: only the blocks that differ, written
// up to their last byte that is not 0xFF (a NAND page at a time), nothing
// but an erase for an all-0xFF block, and the upload of just them, cut
// after their last byte that is not 0xFF (NAND: its page).
func TestBlockCommands(t *testing.T) {
	img := bytes.Repeat([]byte{0xff}, 0x30000)
	copy(img, []byte{1, 2, 3})                          // block 0: 3 bytes of data
	copy(img[0x20000:], bytes.Repeat([]byte{7}, 0x801)) // block 2: 0x801 bytes
	blocks := []Block{{Addr: 0x9f000000, Size: 0x10000}, {Addr: 0x9f010000, Size: 0x10000, Offset: 0x10000}, {Addr: 0x9f020000, Size: 0x10000, Offset: 0x20000, Same: true}}
	dev := &uboot.Session{} // its commands need no board
	loady := dialect.UploadWay{Command: "loady"}
	p := &Plan{Flash: Flash{Kind: dialect.NOR}, RAM: 0x80000000, Blocks: blocks[:2], Way: loady}
	p.segment(img)
	p.commands(dev, img)
	want := []string{"loady 0x80000000", "crc32 0x80000000 0x3",
		"protect off 0x9f000000 +0x10000", "erase 0x9f000000 +0x10000", "cp.b 0x80000000 0x9f000000 0x3", "crc32 0x9f000000 0x10000",
		"protect off 0x9f010000 +0x10000", "erase 0x9f010000 +0x10000", "crc32 0x9f010000 0x10000"}
	if !slices.Equal(p.Commands, want) {
		t.Fatalf("NOR:\n%q\nwant\n%q", p.Commands, want)
	}
	nand := &Plan{Flash: Flash{Kind: dialect.NAND, PageSize: 0x800, Window: window{ram: 0x81000000}}, RAM: 0x80000000,
		Blocks: []Block{{Addr: 0x40000, Size: 0x10000, Offset: 0x20000}, {Addr: 0x50000, Size: 0x10000, Bad: true}}, Way: loady}
	nand.segment(img)
	nand.commands(dev, img)
	want = []string{"loady 0x80000000", "crc32 0x80000000 0x1000",
		"nand erase 0x40000 0x10000", "nand write 0x80000000 0x40000 0x1000", "nand read 0x81000000 0x40000 0x10000", "crc32 0x81000000 0x10000"}
	if !slices.Equal(nand.Commands, want) || nand.Changed() != 1 {
		t.Fatalf("NAND:\n%q\nwant\n%q", nand.Commands, want)
	}
	same := &Plan{Flash: Flash{Kind: dialect.SPI}, Blocks: blocks[2:]}
	same.segment(img)
	if same.commands(dev, img); len(same.Commands) != 0 || same.Changed() != 0 {
		t.Fatalf("nothing to write, yet %q", same.Commands)
	}
}

// window is a flash window that only tells where its RAM is (the plan
// asks nothing else).
type window struct {
	Window
	ram uint64
}

func (w window) RAM() (uint64, uint64) { return w.ram, 0 }
