package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/words"
	"github.com/bootdump/bootdump/restore"
)

// RestoreOptions say where an image goes: NOR flash at address Addr (the
// default Flash), or SPI NOR or NAND at offset Addr, each block read back
// through a RAM window. The image is uploaded to RAM (0: where the
// bootloader loads things, clear of the window).
type RestoreOptions struct {
	Addr     uint64
	Flash    dialect.FlashKind
	RAM      uint64
	Logger   *slog.Logger
	Progress func(done, total int, what string)
	// WriteBootloader lets the restore write blocks that hold the
	// bootloader (restore.Plan.Bootloader); without it Run refuses them.
	WriteBootloader bool
}

// ErrBootloader: the plan writes the blocks that hold the bootloader, and
// RestoreOptions.WriteBootloader does not allow it.
var ErrBootloader = errors.New("the restore would write the bootloader")

// BootloaderError names the bootloader blocks a restore would write.
type BootloaderError struct{ Blocks []restore.Block }

func (e *BootloaderError) Error() string {
	b := e.Blocks[0]
	ro := ""
	if b.Protected {
		ro = ", and flinfo marks it read-only: U-Boot protects its own code"
	}
	more := ""
	if n := len(e.Blocks) - 1; n > 0 {
		more = fmt.Sprintf(" (and %s more)", words.Plural(n, "block"))
	}
	return fmt.Sprintf("the erase block at %#x%s holds %s in the image%s: writing it replaces the bootloader, and a write that fails there leaves a board only a flash programmer revives; check the image, then give --write-bootloader to write it",
		b.Addr, more, b.Bootloader, ro)
}

func (e *BootloaderError) Unwrap() error { return ErrBootloader }

// RestorePlan is a restore planned by the device's checksums: what it
// writes, and every command it sends (Plan.Commands).
type RestorePlan struct {
	*restore.Plan
	Algorithm string // the checksum the plan was made by
	dev       restore.Device
	img       []byte
	opt       RestoreOptions
}

// PlanRestore compares img with the flash, erase block by erase block,
// and plans writing what differs. It writes nothing.
func PlanRestore(ctx context.Context, dev *Device, img []byte, opt RestoreOptions) (*RestorePlan, error) {
	if opt.Flash == "" {
		opt.Flash = dialect.NOR
	}
	prog, ok := dev.Session.(dialect.Programmer)
	if !ok {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "write flash"}
	}
	rp := &RestorePlan{Algorithm: prog.Algorithm().Name, dev: prog, img: img, opt: opt}
	if opt.Flash == dialect.NOR {
		if ru, ok := dev.Session.(dialect.RangeUser); ok {
			ru.UseRange(opt.Addr, uint64(len(img)))
		}
		banks, err := prog.NORBanks(ctx)
		if err != nil {
			return nil, err
		}
		ram, err := uploadRAM(ctx, prog, opt.RAM, uint64(len(img)))
		if err != nil {
			return nil, err
		}
		if rp.Plan, err = restore.PlanNOR(ctx, prog, banks, img, opt.Addr, ram); err != nil {
			return rp, err
		}
		return rp, markBootloader(ctx, rp.Plan, img)
	}
	fw, ok := dev.Session.(dialect.FlashWindower)
	if !ok {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "read flash through RAM (" + string(opt.Flash) + ")"}
	}
	const window = 256 << 10 // the largest erase block the window must hold
	fwin, err := fw.OpenWindow(ctx, dialect.Source{Kind: opt.Flash}, dialect.WindowOptions{Size: window, RAM: opt.RAM})
	if err != nil {
		return nil, err
	}
	win, ok := fwin.(restore.Window)
	if !ok {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "check what it writes: it has no checksum command"}
	}
	fd := win.Device()
	ram, err := uploadRAM(ctx, prog, 0, uint64(len(img)))
	if err != nil {
		return nil, err
	}
	fl := restore.Flash{Kind: opt.Flash, EraseSize: fd.EraseSize, PageSize: fd.PageSize, Size: win.Size(), Bad: win.BadBlocks(), Window: win}
	if rp.Plan, err = restore.PlanErase(ctx, prog, fl, img, opt.Addr, ram); err != nil {
		return rp, err
	}
	return rp, markBootloader(ctx, rp.Plan, img)
}

// markBootloader names, on the plan's blocks, the bootloader images
// identify finds in img (a raw U-Boot: the first thing in a flash).
func markBootloader(ctx context.Context, p *restore.Plan, img []byte) error {
	rep, err := identify.Scan(ctx, bytes.NewReader(img), int64(len(img)), identify.Options{})
	if err != nil {
		return err
	}
	for _, f := range rep.Findings {
		if f.Type != "u-boot" {
			continue
		}
		for i := range p.Blocks {
			b := &p.Blocks[i]
			if int64(b.Offset) < f.End() && int64(b.Offset+b.Size) > f.Offset {
				b.Bootloader = f.Summary
			}
		}
	}
	return nil
}

// uploadRAM is where an image of n bytes is uploaded: at ram, or RAM the
// bootloader offers clear of what the session reads and of its window.
func uploadRAM(ctx context.Context, prog dialect.Programmer, ram, n uint64) (uint64, error) {
	if ram != 0 {
		return ram, nil
	}
	at, err := prog.FreeRAM(ctx, n)
	if err != nil {
		return 0, fmt.Errorf("no RAM to upload %s to: %w", words.Size(n), err)
	}
	return at, nil
}

// Run carries the plan out: the upload, each block written and checked,
// then the final pass over the whole range.
func (p *RestorePlan) Run(ctx context.Context) (*restore.Result, error) {
	if bl := p.Bootloader(); len(bl) > 0 && !p.opt.WriteBootloader {
		return nil, &BootloaderError{Blocks: bl}
	}
	return restore.Run(ctx, p.dev, p.Plan, p.img, restore.Options{Logger: p.opt.Logger, Progress: p.opt.Progress})
}

// Restore plans and runs a restore at once, for a program that has
// nothing to confirm in between (the command line shows the plan and asks
// first: PlanRestore, then RestorePlan.Run).
func Restore(ctx context.Context, dev *Device, img []byte, opt RestoreOptions) (*restore.Result, error) {
	p, err := PlanRestore(ctx, dev, img, opt)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx)
}
