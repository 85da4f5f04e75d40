package backup_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// Back up 256 KiB of a board's flash: here a simulated U-Boot board on an
// in-process pipe; a real one is Connection{Port: "/dev/ttyUSB0"}.
func Example() {
	ctx := context.Background()
	flash := sim.SampleFirmware(256 << 10)
	dir, _ := os.MkdirTemp("", "backup-example-")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "flash.bin")

	// Check the output before touching the board.
	job, err := dump.Prepare(dump.Options{Addr: 0x04000000, Size: 256 << 10, Output: out})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer job.Close()
	dev, err := backup.Connect(ctx, backup.Connection{
		Dial: func(context.Context) (console.Port, error) { return sim.Pipe(sim.Config{Image: flash}) },
	}, dialect.Options{Addr: 0x04000000, Size: 256 << 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close(ctx)
	res, err := backup.Run(ctx, job, dev.Session, out)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dev.Session.Identity().Dialect, res.Record.State, res.Record.Algorithm)
	for _, f := range res.Contents.Findings {
		fmt.Printf("%#x %s %s\n", f.Offset, f.Type, f.Verdict)
	}
	// Output:
	// uboot complete crc32
	// 0x0 uimage ok
	// 0x6317 erased ok
	// 0x20000 romfs ok
	// 0x26400 erased ok
}
