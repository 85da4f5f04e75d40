package backup

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/restore"
)

// RawRestoreOptions say where raw data goes on a bootloader that burns it
// from its flash's start (the Winbond loader's BX): Addr must be that
// start. Known is what the flash is known to hold at least, where the
// bootloader did not say its size (a dump of this board read that much).
// Its first block is the bootloader's own: WriteBootloader must allow it.
type RawRestoreOptions struct {
	Addr, Known     uint64
	WriteBootloader bool
	Logger          *slog.Logger
	Progress        func(done, total int, what string)
}

// OwnBlockError: a raw burn writes the bootloader's own block, and
// RawRestoreOptions.WriteBootloader does not allow it.
type OwnBlockError struct {
	Command    string
	Start, End uint64
}

func (e *OwnBlockError) Error() string {
	return fmt.Sprintf("%s writes from the flash's start, and its first erase block (%#x..%#x) is the boot loader's own: a write that fails there leaves a board only a flash programmer revives; check the image, then give --write-bootloader to write it", e.Command, e.Start, e.End-1)
}

func (e *OwnBlockError) Unwrap() error { return ErrBootloader }

// RawRestorePlan is raw data burnt from the flash's start.
type RawRestorePlan struct {
	*restore.RawPlan
	dev restore.RawDevice
	opt RawRestoreOptions
}

// PlanRawRestore checks the image fits the flash from its start and
// compares it, stopping at the first difference. It writes nothing.
func PlanRawRestore(ctx context.Context, dev *Device, img []byte, opt RawRestoreOptions) (*RawRestorePlan, error) {
	b, burns := dialect.BurnsRaw(dev.Session)
	rd, ok := b.(restore.RawDevice)
	if !burns || !ok {
		return nil, &CannotError{Dialect: dev.Session.Identity(), What: "write raw data from the flash's start"}
	}
	p, err := restore.PlanRaw(ctx, rd, opt.Addr, img, opt.Known)
	if err != nil {
		return nil, err
	}
	return &RawRestorePlan{RawPlan: p, dev: rd, opt: opt}, nil
}

// Refused is why Run will not write: the bootloader's own block is the
// first it writes, and WriteBootloader does not allow it (nil: it will).
func (p *RawRestorePlan) Refused() error {
	if p.Same || p.opt.WriteBootloader {
		return nil
	}
	return &OwnBlockError{Command: p.Commands[0], Start: p.Area.Start, End: p.Area.Start + p.Area.Block}
}

// Run burns the image and reads it back, unless it is Refused.
func (p *RawRestorePlan) Run(ctx context.Context) (*restore.RawResult, error) {
	if err := p.Refused(); err != nil {
		return nil, err
	}
	return p.RawPlan.Run(ctx, p.dev, restore.Options{Logger: p.opt.Logger, Progress: p.opt.Progress})
}
