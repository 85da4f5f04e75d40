package backup

import (
	"context"
	"io"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
)

// VerifyOptions say where an image is on the device: at Addr in memory,
// or at offset Addr of a flash Source read through a RAM window (at RAM,
// or where the bootloader loads things). Chunk is what one checksum
// covers (default 64 KiB).
type VerifyOptions struct {
	Addr     uint64
	Source   dialect.Source
	RAM      uint64
	Chunk    int
	Progress func(dump.Progress)
}

// VerifyResult is a comparison: the ranges that differ (none: identical),
// and the device's checksum that told.
type VerifyResult struct {
	Diffs     []dump.Range
	Algorithm string
}

// Verify compares size bytes of img with the device by its checksums
// alone: nothing is dumped.
func Verify(ctx context.Context, dev *Device, img io.ReaderAt, size uint64, opt VerifyOptions) (*VerifyResult, error) {
	if opt.Chunk == 0 {
		opt.Chunk = 64 << 10
	}
	var sums dialect.Checksummer
	if opt.Source.Kind == "" || opt.Source.Kind == dialect.Mem {
		if err := dev.CheckRange(opt.Addr, size); err != nil {
			return nil, err
		}
		if err := dev.CheckMapped(ctx, opt.Addr, size); err != nil {
			return nil, err
		}
		if ru, ok := dev.Session.(dialect.RangeUser); ok {
			ru.UseRange(opt.Addr, size)
		}
		c, ok := dev.Session.(dialect.Checksummer)
		if !ok {
			return nil, &CannotError{Dialect: dev.Session.Identity(), What: "verify: it has no checksum command"}
		}
		sums = c
	} else {
		fw, ok := dev.Session.(dialect.FlashWindower)
		if !ok {
			return nil, &CannotError{Dialect: dev.Session.Identity(), What: "read flash through RAM (" + opt.Source.String() + ")"}
		}
		win, err := fw.OpenWindow(ctx, opt.Source, dialect.WindowOptions{Size: uint64(opt.Chunk), RAM: opt.RAM})
		if err != nil {
			return nil, err
		}
		if total := win.Size(); total != 0 && opt.Addr+size > total {
			return nil, &RangeError{Addr: opt.Addr, Size: size, Source: opt.Source, End: total}
		}
		c, ok := win.(dialect.Checksummer)
		if !ok {
			return nil, &CannotError{Dialect: dev.Session.Identity(), What: "verify: it has no checksum command"}
		}
		sums = c
	}
	diffs, err := dump.Verify(ctx, sums, opt.Addr, img, size, opt.Chunk, opt.Progress)
	return &VerifyResult{Diffs: diffs, Algorithm: sums.Algorithm().Name}, err
}
