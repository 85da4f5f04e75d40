package dialecttest

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// Programmer is a board with a NOR flash bank it erases and programs, and
// RAM that uploads go to, speaking commands of its own ("erase ADDR
// SIZE", "program FROM ADDR N", "unprotect", "protect"): what restore
// plans and runs without knowing a bootloader.
type Programmer struct {
	*Session
	RAM   *Region // where uploads go
	Flash *Region // the NOR bank
	// Sector is the erase block the board says it has; EraseUnit what
	// its flash really erases (a multiple of Sector; 0: the same).
	Sector, EraseUnit uint64
	// StepTime is how long an erase or a program takes: a slow flash.
	StepTime time.Duration
	// CutUpload ends the next uploads halfway (the line dropped), that
	// many times; BadUpload corrupts a byte of the next ones.
	CutUpload, BadUpload int
	// Disturb: programming the block at a key address flips a bit of the
	// block at its value (program disturb), once; the final pass finds it.
	Disturb map[uint64]uint64
	// Steps are the commands run, in order.
	Steps []dialect.Step
}

var _ dialect.Programmer = (*Programmer)(nil)

// NewProgrammer is a board with a NOR flash bank of flash's size at
// flashBase erased in sectors of sector bytes, and RAM at ramBase.
func NewProgrammer(flashBase uint64, flash []byte, sector uint64, ramBase uint64, ramSize int) *Programmer {
	fl := &Region{Base: flashBase, Data: flash}
	ram := &Region{Base: ramBase, Data: make([]byte, ramSize)}
	s := NewSession(flashBase, flash)
	s.Regions = []*Region{fl, ram}
	return &Programmer{Session: s, RAM: ram, Flash: fl, Sector: sector}
}

// Upload puts data into RAM at ram, unless a fault cuts it or spoils it.
func (p *Programmer) Upload(_ context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	if !p.RAM.holds(ram, uint64(len(data))) {
		return fmt.Errorf("%#x..+%#x is not RAM", ram, len(data))
	}
	dst := p.RAM.Data[ram-p.RAM.Base:]
	if p.CutUpload > 0 {
		p.CutUpload--
		copy(dst, data[:len(data)/2])
		return fmt.Errorf("upload cut off at %d of %d bytes: %w", len(data)/2, len(data), ErrFake)
	}
	copy(dst, data)
	if p.BadUpload > 0 {
		p.BadUpload--
		dst[len(data)/2] ^= 0x01
	}
	if progress != nil {
		progress(len(data), len(data), "uploading")
	}
	return nil
}

// UploadWay is the fake's one way, at the line's full rate.
func (p *Programmer) UploadWay(context.Context, uint64) (dialect.UploadWay, error) {
	return dialect.UploadWay{Command: "upload", Share: 1}, nil
}

// UploadCommands is what an upload sends, for a plan.
func (p *Programmer) UploadCommands(_ dialect.UploadWay, ram, n uint64) []string {
	return []string{fmt.Sprintf("upload %#x %#x", ram, n), fmt.Sprintf("sum %#x %#x", ram, n)}
}

// ProgramSteps unprotect, erase and program a block (NOR only).
func (p *Programmer) ProgramSteps(kind dialect.FlashKind, addr, size, from, n, page uint64) []dialect.Step {
	steps := []dialect.Step{
		{Kind: dialect.Unprotect, Command: fmt.Sprintf("unprotect %#x %#x", addr, size)},
		{Kind: dialect.Erase, Command: fmt.Sprintf("erase %#x %#x", addr, size)},
	}
	if n > 0 {
		steps = append(steps, dialect.Step{Kind: dialect.Program, Command: fmt.Sprintf("program %#x %#x %#x", from, addr, n)})
	}
	return steps
}

// CheckSteps checksum a block where it is.
func (p *Programmer) CheckSteps(kind dialect.FlashKind, addr, size, window uint64) []dialect.Step {
	return []dialect.Step{{Kind: dialect.Check, Command: fmt.Sprintf("sum %#x %#x", addr, size)}}
}

// RunStep does what a step says, as the flash does it.
func (p *Programmer) RunStep(ctx context.Context, step dialect.Step) error {
	p.Steps = append(p.Steps, step)
	f := strings.Fields(step.Command)
	num := func(i int) uint64 {
		v, _ := strconv.ParseUint(f[i], 0, 64)
		return v
	}
	switch step.Kind {
	case dialect.Unprotect, dialect.Protect, dialect.Check, dialect.Fetch:
		return nil
	case dialect.Erase:
		addr, size := num(1), num(2)
		unit := max(p.EraseUnit, p.Sector)
		from := (addr - p.Flash.Base) / unit * unit
		to := (addr - p.Flash.Base + size + unit - 1) / unit * unit
		if err := p.wait(ctx); err != nil {
			return err
		}
		for i := from; i < to && i < uint64(len(p.Flash.Data)); i++ {
			p.Flash.Data[i] = 0xff
		}
		return nil
	case dialect.Program:
		from, addr, n := num(1), num(2), num(3)
		if !p.RAM.holds(from, n) || !p.Flash.holds(addr, n) {
			return fmt.Errorf("%s: out of range", step.Command)
		}
		if err := p.wait(ctx); err != nil {
			return err
		}
		src := p.RAM.Data[from-p.RAM.Base:]
		for i := range n {
			p.Flash.Data[addr-p.Flash.Base+i] &= src[i] // bits only go from 1 to 0
		}
		if victim, ok := p.Disturb[addr]; ok {
			delete(p.Disturb, addr)
			p.Flash.Data[victim-p.Flash.Base] ^= 0x80
		}
		return nil
	}
	return fmt.Errorf("unknown step %q", step.Command)
}

func (p *Programmer) wait(ctx context.Context) error {
	if p.StepTime == 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(p.StepTime):
		return nil
	}
}

// NORBanks is the one bank.
func (p *Programmer) NORBanks(context.Context) ([]dialect.NORBank, error) {
	b := dialect.NORBank{Num: 1, Start: p.Flash.Base, Size: uint64(len(p.Flash.Data))}
	for s := uint64(0); s < b.Size; s += p.Sector {
		b.Sectors = append(b.Sectors, b.Start+s)
		b.Protected = append(b.Protected, false)
	}
	return []dialect.NORBank{b}, nil
}

// FreeRAM is the start of RAM.
func (p *Programmer) FreeRAM(_ context.Context, n uint64) (uint64, error) {
	if n > uint64(len(p.RAM.Data)) {
		return 0, fmt.Errorf("%d bytes do not fit %d of RAM", n, len(p.RAM.Data))
	}
	return p.RAM.Base, nil
}

// Window is a flash that is not mapped (SPI NOR, NAND) read through RAM:
// its addresses are offsets in Data.
type Window struct {
	Data      []byte
	Dev       dialect.Flash
	Bad       []uint64
	RAMAt     uint64
	Faults    Faults
	session   *Session
	forgotten int
}

var (
	_ dialect.FlashWindow = (*Window)(nil)
	_ dialect.Checksummer = (*Window)(nil)
	_ dialect.FillChecker = (*Window)(nil)
)

// NewWindow is a flash of data read through RAM at ram.
func NewWindow(data []byte, dev dialect.Flash, ram uint64) *Window {
	w := &Window{Data: data, Dev: dev, RAMAt: ram}
	w.session = NewSession(0, data)
	w.session.Faults = w.Faults
	return w
}

// ReadMemory reads at an offset of the flash.
func (w *Window) ReadMemory(ctx context.Context, off uint64, dst []byte, progress func(int)) error {
	w.session.Faults = w.Faults
	return w.session.ReadMemory(ctx, off, dst, progress)
}

// Checksum is the CRC-32 of n bytes at off.
func (w *Window) Checksum(_ context.Context, off, n uint64) (uint32, error) {
	if off+n > uint64(len(w.Data)) {
		return 0, fmt.Errorf("%#x..+%#x is past the flash's end", off, n)
	}
	return crc32.ChecksumIEEE(w.Data[off : off+n]), nil
}

// Algorithm is CRC-32.
func (w *Window) Algorithm() dialect.Algorithm { return dialect.CRC32 }

// IsFilled compares n bytes at off with fill.
func (w *Window) IsFilled(_ context.Context, off, n uint64, fill byte) (bool, error) {
	return bytes.Count(w.Data[off:off+n], []byte{fill}) == int(n), nil
}

func (w *Window) Identity() dialect.Identity          { return w.session.Ident }
func (w *Window) Resync(ctx context.Context) error    { return w.session.Resync(ctx) }
func (w *Window) Reconnect(ctx context.Context) error { return w.session.Reconnect(ctx) }
func (w *Window) Device() dialect.Flash               { return w.Dev }
func (w *Window) Size() uint64                        { return uint64(len(w.Data)) }
func (w *Window) BadBlocks() []uint64                 { return w.Bad }
func (w *Window) RAM() (addr, size uint64)            { return w.RAMAt, 256 << 10 }
func (w *Window) Raw() error                          { return fmt.Errorf("the fake reads no spare areas") }
func (w *Window) PageUnit() (page, unit uint64)       { return w.Dev.PageSize, w.Dev.PageSize }

// Forget counts the times the window was told its RAM was written over.
func (w *Window) Forget() { w.forgotten++ }
