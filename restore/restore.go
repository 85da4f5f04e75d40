package restore

import (
	"context"
	"errors"
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
	Protected  bool   // NOR: the bootloader protects it (flinfo's RO)
	// Bootloader is what the image holds there when it is a bootloader
	// ("U-Boot 2023.01 (...)"): writing it replaces the one that runs.
	Bootloader string
}

// Bootloader lists the blocks to write that hold a bootloader.
func (p *Plan) Bootloader() []Block {
	var out []Block
	for _, b := range p.Blocks {
		if !b.Same && !b.Bad && b.Bootloader != "" {
			out = append(out, b)
		}
	}
	return out
}

// Plan is what a restore will do.
type Plan struct {
	Flash  Flash
	Addr   uint64 // where the image goes
	RAM    uint64 // where it is uploaded
	Blocks []Block
	// Outside are the erase blocks just before and after the range, with
	// their checksums when planned: an erase that wipes more than it says
	// must not go unnoticed there either.
	Outside  []Block
	sumsOut  map[uint64]uint32
	Commands []string // every command that will be sent, in order
	// Way is how the board takes the uploads; Segments what goes to RAM,
	// one at a time, each written to flash before the next.
	Way      dialect.UploadWay
	Segments []Segment
}

// Segment is a run of adjacent blocks to write, uploaded to RAM at once:
// the image from Off, Size bytes (cut after its last byte that is not
// 0xFF: erased flash holds those already).
type Segment struct {
	Off, Size uint64
	Blocks    []int // into Plan.Blocks
}

// maxSegment bounds an upload: RAM clear of U-Boot and of the binary
// reader is seldom short of it.
const maxSegment = 1 << 20

// Uploaded is what the plan uploads, in all.
func (p *Plan) Uploaded() uint64 {
	var n uint64
	for _, s := range p.Segments {
		n += s.Size
	}
	return n
}

// Estimate is how long the plan's uploads take at baud.
func (p *Plan) Estimate(baud int) time.Duration {
	if p.Changed() == 0 {
		return 0
	}
	return p.Way.Time(p.Uploaded(), baud)
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

// Flash is the flash a plan writes: memory-mapped NOR, or SPI NOR or NAND
// read back through a RAM window.
type Flash struct {
	Kind      dialect.FlashKind // NOR, SPI or NAND
	EraseSize uint64
	PageSize  uint64 // NAND writes whole pages
	Size      uint64
	Bad       []uint64 // NAND bad blocks (offsets)
	// Window reads the flash back through RAM to check it (SPI, NAND);
	// nil where the flash is memory-mapped and the device checks it there.
	Window Window
}

// Window is a flash window that checksums what it holds.
type Window interface {
	dialect.FlashWindow
	dialect.Checksummer
}

// commander is what spells a plan's commands: a Device, or anything that
// knows its bootloader's commands without a board.
type commander interface {
	UploadCommands(way dialect.UploadWay, ram, n uint64) []string
	ProgramSteps(kind dialect.FlashKind, addr, size, from, n, page uint64) []dialect.Step
	CheckSteps(kind dialect.FlashKind, addr, size, window uint64) []dialect.Step
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
	if off >= es {
		p.Outside = append(p.Outside, Block{Addr: off - es, Size: es})
	}
	if fl.Size == 0 || end+es <= fl.Size {
		p.Outside = append(p.Outside, Block{Addr: end, Size: es})
	}
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
	p := &Plan{Flash: Flash{Kind: dialect.NOR}, Addr: addr, RAM: ram}
	for i, s := range bank.Sectors {
		e := bank.SectorEnd(i)
		if e <= addr || s >= end {
			continue
		}
		if s < addr || e > end {
			return nil, fmt.Errorf("%d bytes at %#x do not cover whole erase blocks (the sector at %#x is %#x..%#x): erasing it would lose the rest; pad the image or move it to a sector boundary", len(img), addr, s, s, e-1)
		}
		p.Blocks = append(p.Blocks, Block{Addr: s, Size: e - s, Offset: s - addr, Protected: i < len(bank.Protected) && bank.Protected[i]})
	}
	for i, s := range bank.Sectors {
		if e := bank.SectorEnd(i); e == addr || s == end {
			p.Outside = append(p.Outside, Block{Addr: s, Size: e - s})
		}
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
	p.sumsOut = map[uint64]uint32{}
	for _, b := range p.Outside {
		sum, err := sums.Checksum(ctx, b.Addr, b.Size)
		if err != nil {
			return err
		}
		p.sumsOut[b.Addr] = sum
	}
	return p.plan(ctx, dev, img)
}

// plan splits the blocks to write into segments, asks the board how it
// takes uploads of them, and lists the commands.
func (p *Plan) plan(ctx context.Context, dev Device, img []byte) error {
	p.segment(img)
	if p.Changed() > 0 {
		way, err := dev.UploadWay(ctx, p.Uploaded())
		if err != nil {
			return err
		}
		p.Way = way
	}
	p.commands(dev, img)
	return nil
}

// segment groups the blocks to write into runs of adjacent ones, each at
// most maxSegment, cut after the run's last byte that is not 0xFF.
func (p *Plan) segment(img []byte) {
	p.Segments = nil
	var cur *Segment
	for i, b := range p.Blocks {
		if b.Same || b.Bad {
			cur = nil
			continue
		}
		if cur == nil || b.Offset+b.Size-cur.Off > maxSegment {
			p.Segments = append(p.Segments, Segment{Off: b.Offset})
			cur = &p.Segments[len(p.Segments)-1]
		}
		cur.Blocks = append(cur.Blocks, i)
	}
	// A run's upload ends where its last byte that is not 0xFF does.
	for i := range p.Segments {
		s := &p.Segments[i]
		end := s.Off
		for _, bi := range s.Blocks {
			b := p.Blocks[bi]
			if n := programmed(img[b.Offset : b.Offset+b.Size]); n > 0 {
				if page := p.Flash.PageSize; p.Flash.Kind == dialect.NAND && page > 0 {
					n = min(b.Size, (n+page-1)/page*page) // NAND writes whole pages from RAM
				}
				end = b.Offset + n
			}
		}
		s.Size = end - s.Off
	}
}

// commands lists what Run will send.
func (p *Plan) commands(dev commander, img []byte) {
	p.Commands = nil
	var window uint64
	if p.Flash.Window != nil {
		window, _ = p.Flash.Window.RAM()
	}
	way := p.Way
	for _, s := range p.Segments {
		if s.Size > 0 {
			p.Commands = append(p.Commands, dev.UploadCommands(way, p.RAM, s.Size)...)
			way.Setup = 0 // the reader, once put there, stays
		}
		for _, bi := range s.Blocks {
			b := p.Blocks[bi]
			for _, st := range append(p.program(dev, s, b, img), dev.CheckSteps(p.Flash.Kind, b.Addr, b.Size, window)...) {
				p.Commands = append(p.Commands, st.Command)
			}
		}
	}
}

// program is what writes one block of segment s from RAM. Erased flash is
// 0xFF already: a block is written up to its last byte that is not, and
// nothing but an erase is sent for a block that is all 0xFF.
func (p *Plan) program(dev commander, s Segment, b Block, img []byte) []dialect.Step {
	from := p.RAM + b.Offset - s.Off
	return dev.ProgramSteps(p.Flash.Kind, b.Addr, b.Size, from, programmed(img[b.Offset:b.Offset+b.Size]), p.Flash.PageSize)
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

// withDefaults fills in a logger that discards.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// report is Progress for one step of the work, if it is set.
func (o Options) report(what string) func(sent, total int) {
	return func(sent, total int) {
		if o.Progress != nil {
			o.Progress(sent, total, what)
		}
	}
}

// Result says what a restore did.
type Result struct {
	Written, Unchanged int
	Bad                int // NAND bad blocks left alone
	Uploaded           uint64
	// EraseUnit is the erase block size the flash turned out to have,
	// when it erased more than it said (0: as planned).
	EraseUnit uint64
	// Final is the last pass over the whole range: every block checked
	// again by the device's checksum, and those written a second time.
	Final   FinalPass
	Elapsed time.Duration
}

// FinalPass is the check of the whole range once every block is written.
type FinalPass struct {
	Checked   int      `json:"checked"`
	Rewritten []uint64 `json:"rewritten"` // blocks that failed it and were written again
}

// ErrWiped: erasing a block erased more than the block.
var ErrWiped = errors.New("the erase wiped more than the block it was asked to")

// Run carries out a plan: the upload, checked in RAM; then each block
// erased (its neighbours checked: the flash must not erase more than it
// says), programmed and checked; then a final pass over the whole range.
// Only when that passes is the restore done.
func Run(ctx context.Context, dev Device, p *Plan, img []byte, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	r := &runner{ctx: ctx, dev: dev, p: p, img: img, opt: opt, res: &Result{}, sums: p.sums(dev), ok: map[uint64]bool{}}
	start := time.Now()
	for _, b := range p.Blocks {
		switch {
		case b.Bad:
			r.res.Bad++
		case b.Same:
			r.ok[b.Addr] = true
		}
	}
	if p.Changed() == 0 {
		r.res.Unchanged = len(p.Blocks) - r.res.Bad
		return r.res, nil
	}
	changed := p.Changed()
	for si := 0; si < len(p.Segments); si++ {
		s := p.Segments[si]
		if err := r.upload(s); err != nil {
			return r.res, err
		}
		wiped := false
		for _, bi := range s.Blocks {
			b := p.Blocks[bi]
			if r.ok[b.Addr] {
				continue
			}
			if opt.Progress != nil {
				opt.Progress(r.res.Written, changed, fmt.Sprintf("writing %#x", b.Addr))
			}
			err := r.write(s, b)
			if errors.Is(err, ErrWiped) {
				if err := r.replan(err); err != nil {
					return r.res, err
				}
				wiped = true
				break
			}
			if err != nil {
				return r.res, err
			}
			r.res.Written++
		}
		if wiped {
			si, changed = -1, p.Changed() // the plan changed: go over it again
		}
	}
	if err := r.finalPass(); err != nil {
		return r.res, err
	}
	r.res.Unchanged = len(p.Blocks) - r.res.Bad - r.res.Written
	r.res.Elapsed = time.Since(start)
	return r.res, nil
}

type runner struct {
	ctx  context.Context
	dev  Device
	p    *Plan
	img  []byte
	opt  Options
	res  *Result
	sums dialect.Checksummer
	ok   map[uint64]bool // blocks known to hold the image
}

// upload puts segment s into RAM, unless every block of it holds the
// image already or it is all 0xFF, and checks it there.
func (r *runner) upload(s Segment) error {
	todo := false
	for _, bi := range s.Blocks {
		todo = todo || !r.ok[r.p.Blocks[bi].Addr]
	}
	if !todo || s.Size == 0 {
		return nil
	}
	p := r.p
	data := r.img[s.Off : s.Off+s.Size]
	if err := r.dev.Upload(r.ctx, p.RAM, data, r.opt.Progress); err != nil {
		return err
	}
	r.res.Uploaded += uint64(len(data))
	alg := r.dev.Algorithm()
	sum, err := r.dev.Checksum(r.ctx, p.RAM, uint64(len(data)))
	if err != nil {
		return err
	}
	if want := alg.Sum(data); sum != want {
		return fmt.Errorf("the upload to RAM at %#x has %s %08x, the image %08x: nothing was written from it; run the same command again", p.RAM, alg.Name, sum, want)
	}
	return nil
}

// holds says whether block b of the flash holds the image.
func (r *runner) holds(b Block) (bool, error) {
	if r.p.Flash.Window != nil {
		r.p.Flash.Window.Forget()
	}
	sum, err := r.sums.Checksum(r.ctx, b.Addr, b.Size)
	if err != nil {
		return false, fmt.Errorf("block %#x: %w", b.Addr, err)
	}
	return sum == r.sums.Algorithm().Sum(r.img[b.Offset:b.Offset+b.Size]), nil
}

// write erases, programs and checks one block of segment s (in RAM).
// After the erase, the blocks beside it that held the image must still
// hold it.
func (r *runner) write(s Segment, b Block) error {
	for _, step := range r.p.program(r.dev, s, b, r.img) {
		if err := r.dev.RunStep(r.ctx, step); err != nil {
			return fmt.Errorf("block %#x: %s: %w", b.Addr, step, err)
		}
		if step.Kind != dialect.Erase {
			continue
		}
		if err := r.checkNeighbours(b); err != nil {
			return err
		}
	}
	delete(r.ok, b.Addr)
	same, err := r.holds(b)
	if err != nil {
		return err
	}
	if !same {
		return fmt.Errorf("block %#x..%#x does not read back as the image after it was written: it is not written right (run the same command again; if it fails again the flash may be worn or locked)", b.Addr, b.Addr+b.Size-1)
	}
	r.ok[b.Addr] = true
	r.opt.Logger.Info(fmt.Sprintf("wrote and verified the block at %#x (%d bytes)", b.Addr, b.Size))
	return nil
}

// checkNeighbours checks, after erasing b, the blocks either side that held
// the image: a flash whose erase unit is larger than it says wipes them.
func (r *runner) checkNeighbours(b Block) error {
	for _, n := range r.p.Blocks {
		if !r.ok[n.Addr] || (n.Addr+n.Size != b.Addr && b.Addr+b.Size != n.Addr) {
			continue
		}
		same, err := r.holds(n)
		if err != nil {
			return err
		}
		if !same {
			delete(r.ok, n.Addr)
			return fmt.Errorf("%w: erasing %#x..%#x wiped %#x..%#x too", ErrWiped, b.Addr, b.Addr+b.Size-1, n.Addr, n.Addr+n.Size-1)
		}
	}
	for _, n := range r.p.Outside {
		want, ok := r.p.sumsOut[n.Addr]
		if !ok || (n.Addr+n.Size != b.Addr && b.Addr+b.Size != n.Addr) {
			continue
		}
		if r.p.Flash.Window != nil {
			r.p.Flash.Window.Forget()
		}
		sum, err := r.sums.Checksum(r.ctx, n.Addr, n.Size)
		if err != nil {
			return fmt.Errorf("block %#x: %w", n.Addr, err)
		}
		if sum != want {
			return fmt.Errorf("%w: erasing %#x..%#x also wiped %#x..%#x, outside the range being restored: the flash erases more at a time than it says, so the image must cover whole units of it; the flash now differs from what it held there: restore a backup that covers it",
				ErrWipedOutside, b.Addr, b.Addr+b.Size-1, n.Addr, n.Addr+n.Size-1)
		}
	}
	return nil
}

// ErrWipedOutside: an erase wiped flash outside the range being restored.
var ErrWipedOutside = errors.New("the erase wiped flash outside the range")

// replan merges the blocks into erase units twice as large, after an erase
// showed the flash erases more than it said, and checks which of them
// hold the image.
func (r *runner) replan(cause error) error {
	p := r.p
	unit := 2 * p.Blocks[0].Size
	if p.Addr%unit != 0 || uint64(len(r.img))%unit != 0 {
		return fmt.Errorf("%w; the flash erases at least %#x bytes at a time, and %d bytes at %#x do not cover whole units of that: nothing more is written, and the flash is not as the image (pad the image to %#x-byte units and run again)",
			cause, unit, len(r.img), p.Addr, unit)
	}
	r.opt.Logger.Warn(fmt.Sprintf("%v: the flash erases %#x bytes at a time, not the %#x it says; planning again with the larger unit", cause, unit, p.Blocks[0].Size))
	var merged []Block
	for _, b := range p.Blocks {
		if len(merged) == 0 || b.Addr%unit == 0 {
			merged = append(merged, Block{Addr: b.Addr, Size: 0, Offset: b.Offset, Same: true})
		}
		m := &merged[len(merged)-1]
		m.Size += b.Size
		m.Bad, m.Protected = m.Bad || b.Bad, m.Protected || b.Protected
		if m.Bootloader == "" {
			m.Bootloader = b.Bootloader
		}
	}
	r.ok = map[uint64]bool{}
	for i := range merged {
		if merged[i].Bad {
			continue
		}
		same, err := r.holds(merged[i])
		if err != nil {
			return err
		}
		merged[i].Same = same
		r.ok[merged[i].Addr] = same
	}
	p.Blocks = merged
	r.res.EraseUnit = unit
	r.res.Written = 0
	p.segment(r.img)
	p.commands(r.dev, r.img)
	return nil
}

// finalPass checks every block of the range once all are written: a block
// that fails is written again once; a second failure stops the restore.
func (r *runner) finalPass() error {
	for i, b := range r.p.Blocks {
		if b.Bad {
			continue
		}
		r.res.Final.Checked++
		same, err := r.holds(b)
		if err != nil {
			return err
		}
		if same {
			continue
		}
		r.opt.Logger.Warn(fmt.Sprintf("block %#x..%#x failed the final check; writing it again", b.Addr, b.Addr+b.Size-1))
		r.res.Final.Rewritten = append(r.res.Final.Rewritten, b.Addr)
		s := Segment{Off: b.Offset, Size: programmed(r.img[b.Offset : b.Offset+b.Size]), Blocks: []int{i}}
		delete(r.ok, b.Addr)
		err = r.upload(s)
		if err == nil {
			err = r.write(s, b)
		}
		if err != nil {
			return fmt.Errorf("the final check of the whole range: %w", err)
		}
	}
	return nil
}
