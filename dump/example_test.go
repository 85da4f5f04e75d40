package dump_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
)

// memory is a device whose memory is a byte slice at 0x1000: the engine
// needs no more than a dialect.Reader, and verifies by checksum where the
// device has one.
type memory []byte

func (m memory) ReadMemory(_ context.Context, addr uint64, dst []byte, _ func(int)) error {
	copy(dst, m[addr-0x1000:])
	return nil
}
func (m memory) Checksum(_ context.Context, addr, n uint64) (uint32, error) {
	return crc32.ChecksumIEEE(m[addr-0x1000 : addr-0x1000+n]), nil
}
func (memory) Algorithm() dialect.Algorithm    { return dialect.CRC32 }
func (memory) Identity() dialect.Identity      { return dialect.Identity{Dialect: "example"} }
func (memory) Resync(context.Context) error    { return nil }
func (memory) Reconnect(context.Context) error { return nil }

// Prepare checks a dump before the device is touched; Run reads it chunk
// by chunk, each verified, and writes the file only when all are.
func Example() {
	dir, _ := os.MkdirTemp("", "dump-example-")
	defer os.RemoveAll(dir)
	dev := make(memory, 64<<10)
	copy(dev[0x4000:], "a chunk that is not erased")
	job, err := dump.Prepare(dump.Options{Addr: 0x1000, Size: 64 << 10, ChunkSize: 16 << 10, Output: filepath.Join(dir, "mem.bin")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer job.Close()
	res, err := job.Run(context.Background(), dev)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Record.Chunks {
		fmt.Printf("%#x %s\n", c.Offset, c.Verified)
	}
	// Output:
	// 0x0 crc32
	// 0x4000 crc32
	// 0x8000 crc32
	// 0xc000 crc32
}
