package restore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// Device is a bootloader that writes flash (U-Boot's session is one).
type Device = dialect.Programmer

// Block is one erase block of the range to write.
type Block struct {
	Addr, Size uint64 // NOR: the address; SPI and NAND: the offset in the flash
	Offset     uint64 // in the image
	Same       bool   // the device's checksum is the image's: nothing to write
	Bad        bool   // a NAND bad block: never written
}

// Plan is what a restore will do.
type Plan struct {
	Flash    Flash
	Addr     uint64 // where the image goes
	RAM      uint64 // where it is uploaded
	Blocks   []Block
	Commands []string // every command that will be sent, in order
	// Upload is the part of the image that goes to RAM (the span of the
	// blocks that differ), as an offset and a size.
	UploadOff, UploadSize uint64
}

// Changed counts the blocks to write.
func (p *Plan) Changed() int {
	n := 0
	for _, b := range p.Blocks {
		if !b.Same && !b.Bad {
			n++
		}
	}
	return n
}

// Flash is the flash a plan writes: memory-mapped NOR (Kind "nor"), or SPI
// NOR ("sf") or NAND ("nand") read back through a RAM window.
type Flash struct {
	Kind      string
	EraseSize uint64
	PageSize  uint64 // NAND writes whole pages
	Size      uint64
	Bad       []uint64 // NAND bad blocks (offsets)
	// Window reads the flash back through RAM to check it (SPI, NAND);
	// nil where the flash is memory-mapped and the device checks it there.
	Window dialect.FlashWindow
}

// sums is what checks a block in flash: the window, or the device.
func (p *Plan) sums(dev Device) dialect.Checksummer {
	if p.Flash.Window != nil {
		return p.Flash.Window
	}
	return dev
}

// PlanErase plans writing img at offset off of a SPI NOR or NAND flash, a
// whole erase block at a time; NAND bad blocks are left alone.
func PlanErase(ctx context.Context, dev Device, fl Flash, img []byte, off, ram uint64) (*Plan, error) {
	end := off + uint64(len(img))
	es := fl.EraseSize
	switch {
	case es == 0:
		return nil, fmt.Errorf("the flash does not say its erase block size")
	case fl.Size != 0 && end > fl.Size:
		return nil, fmt.Errorf("%d bytes at %#x run past the end of the %s flash (%#x bytes)", len(img), off, fl.Kind, fl.Size)
	case off%es != 0 || uint64(len(img))%es != 0:
		return nil, fmt.Errorf("%d bytes at %#x do not cover whole %#x-byte erase blocks: erasing would lose the rest; pad the image or move it to a block boundary", len(img), off, es)
	}
	p := &Plan{Flash: fl, Addr: off, RAM: ram}
	for at := off; at < end; at += es {
		b := Block{Addr: at, Size: es, Offset: at - off}
		for _, bad := range fl.Bad {
			if bad/es == at/es {
				b.Bad = true
			}
		}
		p.Blocks = append(p.Blocks, b)
	}
	return p, p.compare(ctx, dev, img)
}

// PlanNOR plans writing img at addr of a memory-mapped NOR bank: the range
// must start and end on sector boundaries inside the bank.
func PlanNOR(ctx context.Context, dev Device, banks []dialect.NORBank, img []byte, addr, ram uint64) (*Plan, error) {
	end := addr + uint64(len(img))
	var bank *dialect.NORBank
	for i := range banks {
		if addr >= banks[i].Start && addr < banks[i].Start+banks[i].Size {
			bank = &banks[i]
		}
	}
	if bank == nil {
		return nil, fmt.Errorf("%#x is in no NOR flash bank the bootloader lists%s", addr, bankList(banks))
	}
	if end > bank.Start+bank.Size {
		return nil, fmt.Errorf("%d bytes at %#x run past the end of flash bank %d (%#x..%#x)", len(img), addr, bank.Num, bank.Start, bank.Start+bank.Size-1)
	}
	p := &Plan{Flash: Flash{Kind: "nor"}, Addr: addr, RAM: ram}
	for i, s := range bank.Sectors {
		e := bank.SectorEnd(i)
		if e <= addr || s >= end {
			continue
		}
		if s < addr || e > end {
			return nil, fmt.Errorf("%d bytes at %#x do not cover whole erase blocks (the sector at %#x is %#x..%#x): erasing it would lose the rest; pad the image or move it to a sector boundary", len(img), addr, s, s, e-1)
		}
		p.Blocks = append(p.Blocks, Block{Addr: s, Size: e - s, Offset: s - addr})
	}
	return p, p.compare(ctx, dev, img)
}

func bankList(banks []dialect.NORBank) string {
	var parts []string
	for _, b := range banks {
		parts = append(parts, fmt.Sprintf("%#x..%#x", b.Start, b.Start+b.Size-1))
	}
	if len(parts) == 0 {
		return " (it lists none)"
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// compare asks the device's checksum of every block that is not bad, then
// lists the commands.
func (p *Plan) compare(ctx context.Context, dev Device, img []byte) error {
	sums := p.sums(dev)
	for i := range p.Blocks {
		b := &p.Blocks[i]
		if b.Bad {
			continue
		}
		sum, err := sums.Checksum(ctx, b.Addr, b.Size)
		if err != nil {
			return err
		}
		b.Same = sum == sums.Algorithm().Sum(img[b.Offset:b.Offset+b.Size])
	}
	p.commands(dev, img)
	return nil
}

// commands lists what Run will send.
func (p *Plan) commands(dev Device, img []byte) {
	first, last := -1, -1
	for i, b := range p.Blocks {
		if !b.Same && !b.Bad {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	p.Commands = nil
	if first < 0 {
		return
	}
	p.UploadOff = p.Blocks[first].Offset
	p.UploadSize = p.Blocks[last].Offset + p.Blocks[last].Size - p.UploadOff
	p.Commands = dev.UploadCommands(p.RAM, p.UploadSize)
	var window uint64
	if p.Flash.Window != nil {
		window, _ = p.Flash.Window.RAM()
	}
	for _, b := range p.Blocks {
		if b.Same || b.Bad {
			continue
		}
		p.Commands = append(p.Commands, p.program(dev, b, img)...)
		p.Commands = append(p.Commands, dev.CheckCommands(p.Flash.Kind, b.Addr, b.Size, window)...)
	}
}

// program is what writes one block from RAM. Erased flash is 0xFF
// already: a block is written up to its last byte that is not, and nothing
// but an erase is sent for a block that is all 0xFF.
func (p *Plan) program(dev Device, b Block, img []byte) []string {
	from := p.RAM + b.Offset - p.UploadOff
	return dev.ProgramCommands(p.Flash.Kind, b.Addr, b.Size, from, programmed(img[b.Offset:b.Offset+b.Size]), p.Flash.PageSize)
}

// programmed is how much of data is not 0xFF at its end.
func programmed(data []byte) uint64 {
	n := len(data)
	for n > 0 && data[n-1] == 0xff {
		n--
	}
	return uint64(n)
}

// Options tune a restore.
type Options struct {
	Logger   *slog.Logger
	Progress func(done, total int, what string)
}

// Result says what a restore did.
type Result struct {
	Written, Unchanged int
	Bad                int // NAND bad blocks left alone
	Uploaded           uint64
	Elapsed            time.Duration
}

// Run carries out a plan: the upload, checked in RAM; then each block
// programmed and checked in flash before the next.
func Run(ctx context.Context, dev Device, p *Plan, img []byte, opt Options) (*Result, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	res := &Result{Unchanged: len(p.Blocks) - p.Changed()}
	for _, b := range p.Blocks {
		if b.Bad {
			res.Unchanged--
			res.Bad++
		}
	}
	if p.Changed() == 0 {
		return res, nil
	}
	data := img[p.UploadOff : p.UploadOff+p.UploadSize]
	if err := dev.Upload(ctx, p.RAM, data, opt.Progress); err != nil {
		return res, err
	}
	res.Uploaded = uint64(len(data))
	alg := dev.Algorithm()
	sum, err := dev.Checksum(ctx, p.RAM, uint64(len(data)))
	if err != nil {
		return res, err
	}
	if want := alg.Sum(data); sum != want {
		return res, fmt.Errorf("the upload to RAM at %#x has %s %08x, the image %08x: nothing was written; run the same command again", p.RAM, alg.Name, sum, want)
	}
	sums := p.sums(dev)
	for _, b := range p.Blocks {
		if b.Same || b.Bad {
			continue
		}
		if opt.Progress != nil {
			opt.Progress(res.Written, p.Changed(), fmt.Sprintf("writing %#x", b.Addr))
		}
		for _, cmd := range p.program(dev, b, img) {
			if err := dev.FlashCommand(ctx, cmd); err != nil {
				return res, fmt.Errorf("block %#x: %s: %w", b.Addr, cmd, err)
			}
		}
		if p.Flash.Window != nil {
			p.Flash.Window.Forget()
		}
		sum, err := sums.Checksum(ctx, b.Addr, b.Size)
		if err != nil {
			return res, fmt.Errorf("block %#x: %w", b.Addr, err)
		}
		if want := sums.Algorithm().Sum(img[b.Offset : b.Offset+b.Size]); sum != want {
			return res, fmt.Errorf("block %#x..%#x reads back with %s %08x, not the image's %08x: it is not written right (run the same command again; if it fails again the flash may be worn or locked)", b.Addr, b.Addr+b.Size-1, alg.Name, sum, want)
		}
		res.Written++
		opt.Logger.Info("block written and verified", "addr", fmt.Sprintf("%#x", b.Addr), "size", b.Size)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
