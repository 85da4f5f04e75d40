package uboot

import (
	"context"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/sim"
)

func openSim(t *testing.T, cfg sim.Config, addr, size uint64) *Session {
	t.Helper()
	p, err := sim.Pipe(cfg)
	if err != nil {
		t.Fatal(err)
	}
	con := console.New(p, Bootloader.ConsoleOptions(console.Options{}))
	t.Cleanup(func() { con.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := con.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := newSession(ctx, con, nil, dialect.Options{Addr: addr, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The scratch buffer never overlaps the range being read: with the load
// addresses inside it, the next candidate (here ramdisk_addr_r) is used,
// and with all of them inside, the middle of the DRAM bank.
func TestScratchAvoidsTheRange(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		addr, size, want uint64
	}{
		{0x04000000, 0x10000, 0x40200000},   // loadaddr
		{0x40200000, 0x200001, 0x44000000},  // covers loadaddr, scriptaddr, kernel_addr_r
		{0x40000000, 0x4010000, 0x48000000}, // covers every load address
	}
	for _, c := range cases {
		s := openSim(t, sim.Config{Image: make([]byte, 0x10000), BootDelay: -1}, c.addr, c.size)
		same, err := s.isFilled(ctx, c.addr, 0x10000, 0x00)
		if err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Fatalf("range %#x is not all zero", c.addr)
		}
		if s.scratch != c.want {
			t.Errorf("range %#x+%#x: scratch at %#x, want %#x", c.addr, c.size, s.scratch, c.want)
		}
	}
}

func TestIsFilledSeesOneByte(t *testing.T) {
	img := make([]byte, 0x20000)
	for i := range img {
		img[i] = 0xff
	}
	img[0x1fffe] = 0xfe
	s := openSim(t, sim.Config{Image: img, BootDelay: -1}, 0x04000000, 0x20000)
	ctx := context.Background()
	if same, err := s.isFilled(ctx, 0x04000000, 0x10000, 0xff); err != nil || !same {
		t.Fatalf("erased chunk: %v %v", same, err)
	}
	if same, err := s.isFilled(ctx, 0x04010000, 0x10000, 0xff); err != nil || same {
		t.Fatalf("chunk with one programmed byte: %v %v", same, err)
	}
	if same, err := s.isFilled(ctx, 0x04000001, 0x11, 0xff); err != nil || !same {
		t.Fatalf("unaligned erased range: %v %v", same, err)
	}
}
