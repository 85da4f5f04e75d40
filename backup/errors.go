package backup

import (
	"fmt"

	"github.com/bootdump/bootdump/dialect"
)

// Errors in the library's own words: each carries the facts, so that a
// caller (the command line) can add advice in its own terms.

// RangeError is a range that runs past the end of what holds it: a NOR
// flash bank the bootloader lists (Bank), or a flash source (Source).
type RangeError struct {
	Addr, Size uint64
	Bank       *dialect.NORBank
	Source     dialect.Source
	End        uint64 // the first address (or offset) past what holds it
}

func (e *RangeError) Error() string {
	switch {
	case e.Bank != nil:
		return fmt.Sprintf("%#x + %#x runs past the end of NOR flash bank %d (%#x..%#x, flinfo)", e.Addr, e.Size, e.Bank.Num, e.Bank.Start, e.End-1)
	case e.Size == 0:
		return fmt.Sprintf("%#x is beyond the end of %s (%#x bytes)", e.Addr, e.Source, e.End)
	}
	return fmt.Sprintf("%#x + %#x runs past the end of %s (%#x bytes)", e.Addr, e.Size, e.Source, e.End)
}

// Fits is the most that fits from Addr.
func (e *RangeError) Fits() uint64 { return e.End - min(e.End, e.Addr) }

// AddressSpaceError is a range beyond the board's address space.
type AddressSpaceError struct {
	Addr, Size uint64
	Bits       int
}

func (e *AddressSpaceError) Error() string {
	return fmt.Sprintf("%#x + %#x runs past the top of this %d-bit board's address space (0xffffffff)", e.Addr, e.Size, e.Bits)
}

// PageError is a raw NAND range or chunk that is not whole pages.
type PageError struct {
	Page, Unit, Window uint64 // Unit and Window: a chunk's limits (else 0)
}

func (e *PageError) Error() string {
	if e.Unit != 0 {
		return fmt.Sprintf("a raw chunk is a multiple of 16 pages of %d bytes (page and spare area), up to %d bytes", e.Unit, e.Window)
	}
	return fmt.Sprintf("raw reads take whole pages: the range must be a multiple of the %d-byte page", e.Page)
}

// CannotError: the bootloader cannot do what was asked.
type CannotError struct {
	Dialect dialect.Identity
	What    string
}

func (e *CannotError) Error() string {
	return fmt.Sprintf("the device runs %s, which cannot %s", e.Dialect.Dialect, e.What)
}

// UnknownSizeError: All was asked of a flash that does not tell its size
// (an eMMC whose mmc info rounds its capacity).
type UnknownSizeError struct{ Source dialect.Source }

func (e *UnknownSizeError) Error() string {
	return fmt.Sprintf("%s does not say how big it is: give a size", e.Source)
}
