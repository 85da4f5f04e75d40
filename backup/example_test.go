package backup_test

import (
	"bytes"
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

// Dump 256 KiB of a board's flash into memory, from a port the program
// has open already: here a simulated U-Boot board on an in-process pipe
// (a real one: console.Open(ctx, "/dev/ttyUSB0", console.PortOptions{})).
// The default reader, the device's checksums and the retries are the
// command line's.
func ExampleDump() {
	ctx := context.Background()
	flash := sim.SampleFirmware(256 << 10)
	port, _ := sim.Pipe(sim.Config{Image: flash})

	dev, err := backup.Open(ctx, port, backup.Connection{}, dialect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close(ctx)
	buf := make([]byte, 256<<10)
	res, err := backup.Dump(ctx, dev, backup.DumpOptions{Addr: 0x04000000, Size: 256 << 10, To: dump.Memory(buf)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dev.Session.Identity().Dialect, res.Record.Algorithm, bytes.Equal(buf, flash))
	// Output:
	// uboot crc32 true
}

// A dump into a file keeps a journal: interrupted (here as soon as more
// than 64 KiB is in: a chunk of data and an erased one), the same dump
// again resumes, checking the kept chunks on the device first, and the file appears only when every chunk is in.
func ExampleDumpJob_Run_resume() {
	ctx := context.Background()
	flash := sim.SampleFirmware(256 << 10)
	dir, _ := os.MkdirTemp("", "backup-example-")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "flash.bin")
	dial := func(context.Context) (console.Port, error) { return sim.Pipe(sim.Config{Image: flash, BootDelay: -1}) }
	dev, err := backup.Connect(ctx, backup.Connection{Dial: dial}, dialect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close(ctx)

	cut, stop := context.WithCancel(ctx)
	_, err = backup.Dump(cut, dev, backup.DumpOptions{Addr: 0x04000000, Size: 256 << 10, Output: out, Reader: backup.ReadDump,
		Progress: func(p dump.Progress) {
			if p.Done > 64<<10 {
				stop() // as a Ctrl-C would
			}
		}})
	_, statErr := os.Stat(out)
	fmt.Println("interrupted:", err != nil, "image written:", statErr == nil)

	res, err := backup.Dump(ctx, dev, backup.DumpOptions{Addr: 0x04000000, Size: 256 << 10, Output: out})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := os.ReadFile(out)
	fmt.Println("resumed chunks:", res.ChunksResumed, "identical:", bytes.Equal(got, flash))
	for _, f := range res.Contents.Findings {
		fmt.Printf("%#x %s %s\n", f.Offset, f.Type, f.Verdict)
	}
	// Output:
	// interrupted: true image written: false
	// resumed chunks: 2 identical: true
	// 0x0 uimage ok
	// 0x6317 erased ok
	// 0x20000 romfs ok
	// 0x26400 erased ok
}

// Write a backup back into a board's NOR flash: only the erase blocks
// whose checksums differ are uploaded, erased and programmed, and the
// whole range is checked again at the end.
func ExampleRestore() {
	ctx := context.Background()
	flash := sim.SampleFirmware(256 << 10)
	port, _ := sim.Pipe(sim.Config{Image: flash})
	dev, err := backup.Open(ctx, port, backup.Connection{}, dialect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close(ctx)

	backupImg := bytes.Clone(flash)
	copy(backupImg[0x21000:], "the block the board lost")
	res, err := backup.Restore(ctx, dev, backupImg, backup.RestoreOptions{Addr: 0x04000000, Flash: dialect.NOR})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written:", res.Written, "unchanged:", res.Unchanged, "checked at the end:", res.Final.Checked)
	// Output:
	// written: 1 unchanged: 1 checked at the end: 2
}
