package restore

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/xfer"
)

// Device is a U-Boot session as restore uses it.
type Device interface {
	Console() *console.Console
	CRC32(ctx context.Context, addr, n uint64) (uint32, error)
}

// Block is one erase block of the range to write.
type Block struct {
	Addr, Size uint64 // NOR: the address; SPI and NAND: the offset in the flash
	Offset     uint64 // in the image
	Same       bool   // the device's crc32 is the image's: nothing to write
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
	// Window is the RAM a block is read back into to be checked (sf read,
	// nand read, then crc32 there); Sum does that, and Forget drops what
	// it holds once the flash behind it changed.
	Window uint64
	Sum    func(ctx context.Context, off, n uint64) (uint32, error)
	Forget func()
}

// sum is the device's crc32 of a block in flash.
func (p *Plan) sum(ctx context.Context, dev Device, b Block) (uint32, error) {
	if p.Flash.Sum != nil {
		return p.Flash.Sum(ctx, b.Addr, b.Size)
	}
	return dev.CRC32(ctx, b.Addr, b.Size)
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
		if !b.Bad {
			sum, err := p.sum(ctx, dev, b)
			if err != nil {
				return nil, err
			}
			b.Same = sum == crc32.ChecksumIEEE(img[b.Offset:b.Offset+b.Size])
		}
		p.Blocks = append(p.Blocks, b)
	}
	p.commands(img)
	return p, nil
}

// Options tune a restore.
type Options struct {
	Logger   *slog.Logger
	Progress func(done, total int, what string)
	// Uploaders are the upload commands to try, in order; default loady
	// (YMODEM), loadb (Kermit), then mw.l (a word a command, the slow last
	// resort).
	Uploaders []string
}

// PlanNOR plans writing img at addr of a memory-mapped NOR bank: the range
// must start and end on sector boundaries inside the bank.
func PlanNOR(ctx context.Context, dev Device, banks []uboot.NORBank, img []byte, addr, ram uint64) (*Plan, error) {
	end := addr + uint64(len(img))
	var bank *uboot.NORBank
	for i := range banks {
		if addr >= banks[i].Start && addr < banks[i].Start+banks[i].Size {
			bank = &banks[i]
		}
	}
	if bank == nil {
		return nil, fmt.Errorf("%#x is in no NOR flash bank flinfo lists%s", addr, bankList(banks))
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
	for i := range p.Blocks {
		b := &p.Blocks[i]
		sum, err := dev.CRC32(ctx, b.Addr, b.Size)
		if err != nil {
			return nil, err
		}
		b.Same = sum == crc32.ChecksumIEEE(img[b.Offset:b.Offset+b.Size])
	}
	p.commands(img)
	return p, nil
}

func bankList(banks []uboot.NORBank) string {
	var parts []string
	for _, b := range banks {
		parts = append(parts, fmt.Sprintf("%#x..%#x", b.Start, b.Start+b.Size-1))
	}
	if len(parts) == 0 {
		return " (it lists none)"
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// commands lists what Run will send.
func (p *Plan) commands(img []byte) {
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
	p.Commands = append(p.Commands,
		fmt.Sprintf("loady %#x", p.RAM),
		fmt.Sprintf("crc32 %#x %#x", p.RAM, p.UploadSize))
	for _, b := range p.Blocks {
		if b.Same || b.Bad {
			continue
		}
		program, check := p.blockCommands(b, p.RAM+b.Offset-p.UploadOff, img[b.Offset:b.Offset+b.Size])
		p.Commands = append(append(p.Commands, program...), check...)
	}
}

// blockCommands are the commands that program one block from RAM, and
// those that check it. Erased flash is 0xFF already: a block is written up
// to its last byte that is not (a NAND page at a time), and nothing is
// written for a block that is all 0xFF.
func (p *Plan) blockCommands(b Block, from uint64, data []byte) (program, check []string) {
	n := programmed(data)
	switch p.Flash.Kind {
	case "sf":
		program = []string{fmt.Sprintf("sf erase %#x %#x", b.Addr, b.Size)}
		if n > 0 {
			program = append(program, fmt.Sprintf("sf write %#x %#x %#x", from, b.Addr, n))
		}
		check = []string{fmt.Sprintf("sf read %#x %#x %#x", p.Flash.Window, b.Addr, b.Size), fmt.Sprintf("crc32 %#x %#x", p.Flash.Window, b.Size)}
	case "nand":
		program = []string{fmt.Sprintf("nand erase %#x %#x", b.Addr, b.Size)}
		if page := max(p.Flash.PageSize, 1); n > 0 {
			program = append(program, fmt.Sprintf("nand write %#x %#x %#x", from, b.Addr, (n+page-1)/page*page))
		}
		check = []string{fmt.Sprintf("nand read %#x %#x %#x", p.Flash.Window, b.Addr, b.Size), fmt.Sprintf("crc32 %#x %#x", p.Flash.Window, b.Size)}
	default:
		program = []string{
			fmt.Sprintf("protect off %#x +%#x", b.Addr, b.Size),
			fmt.Sprintf("erase %#x +%#x", b.Addr, b.Size),
		}
		if n > 0 {
			program = append(program, fmt.Sprintf("cp.b %#x %#x %#x", from, b.Addr, n))
		}
		check = []string{fmt.Sprintf("crc32 %#x %#x", b.Addr, b.Size)}
	}
	return program, check
}

// programmed is how much of data is not 0xFF at its end.
func programmed(data []byte) uint64 {
	n := len(data)
	for n > 0 && data[n-1] == 0xff {
		n--
	}
	return uint64(n)
}

// Result says what a restore did.
type Result struct {
	Written, Unchanged int
	Bad                int // NAND bad blocks left alone
	Uploaded           uint64
	Elapsed            time.Duration
}

// Run carries out a plan.
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
	if err := Upload(ctx, dev, p.RAM, data, opt); err != nil {
		return res, err
	}
	res.Uploaded = uint64(len(data))
	sum, err := dev.CRC32(ctx, p.RAM, uint64(len(data)))
	if err != nil {
		return res, err
	}
	if sum != crc32.ChecksumIEEE(data) {
		return res, fmt.Errorf("the upload to RAM at %#x has crc32 %08x, the image %08x: nothing was written; run the same command again", p.RAM, sum, crc32.ChecksumIEEE(data))
	}
	con := dev.Console()
	for _, b := range p.Blocks {
		if b.Same || b.Bad {
			continue
		}
		if opt.Progress != nil {
			opt.Progress(res.Written, p.Changed(), fmt.Sprintf("writing %#x", b.Addr))
		}
		program, _ := p.blockCommands(b, p.RAM+b.Offset-p.UploadOff, img[b.Offset:b.Offset+b.Size])
		for _, cmd := range program {
			lines, err := con.Output(ctx, cmd)
			if err != nil {
				return res, fmt.Errorf("block %#x: %w", b.Addr, err)
			}
			if err := check(cmd, lines); err != nil {
				return res, fmt.Errorf("block %#x: %s: %w", b.Addr, cmd, err)
			}
		}
		if p.Flash.Forget != nil {
			p.Flash.Forget()
		}
		sum, err := p.sum(ctx, dev, b)
		if err != nil {
			return res, fmt.Errorf("block %#x: %w", b.Addr, err)
		}
		if want := crc32.ChecksumIEEE(img[b.Offset : b.Offset+b.Size]); sum != want {
			return res, fmt.Errorf("block %#x..%#x reads back with crc32 %08x, not the image's %08x: it is not written right (run the same command again; if it fails again the flash may be worn or locked)", b.Addr, b.Addr+b.Size-1, sum, want)
		}
		res.Written++
		opt.Logger.Info("block written and verified", "addr", fmt.Sprintf("%#x", b.Addr), "size", b.Size)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// ErrCommandFailed: a flash command did not say it succeeded.
var ErrCommandFailed = errors.New("the command did not succeed")

func expect(text string) func([]string) error {
	return func(lines []string) error {
		for _, l := range lines {
			if strings.Contains(l, text) {
				return nil
			}
		}
		return fmt.Errorf("%w: it printed %q, not %q", ErrCommandFailed, lines, text)
	}
}

// check judges a flash command's output.
func check(cmd string, lines []string) error {
	f := strings.Fields(cmd)
	switch f[0] + " " + f[1] {
	case "sf erase":
		return expect("Erased: OK")(lines)
	case "sf write":
		return expect("Written: OK")(lines)
	case "nand erase":
		return expectLine("OK")(lines)
	case "nand write":
		return expect("bytes written: OK")(lines)
	}
	switch f[0] {
	case "protect":
		return expect("Un-Protected")(lines)
	case "erase":
		return expectErased(lines)
	default: // cp.b
		return expect("Copy to Flash... done")(lines)
	}
}

// expectLine wants a line that is exactly text.
func expectLine(text string) func([]string) error {
	return func(lines []string) error {
		for _, l := range lines {
			if strings.TrimSpace(l) == text {
				return nil
			}
		}
		return fmt.Errorf("%w: it printed %q", ErrCommandFailed, lines)
	}
}

// expectErased accepts erase's "Erased N sectors" when no sector was left
// protected.
func expectErased(lines []string) error {
	for _, l := range lines {
		if strings.Contains(l, "protected sectors will not be erased") {
			return fmt.Errorf("%w: %s", ErrCommandFailed, l)
		}
	}
	return expect("Erased ")(lines)
}

// Upload puts data into RAM at ram with the first upload command the board
// has: loady (YMODEM), loadb (Kermit), or mw.l.
func Upload(ctx context.Context, dev Device, ram uint64, data []byte, opt Options) error {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	con := dev.Console()
	loaders := opt.Uploaders
	if len(loaders) == 0 {
		loaders = []string{"loady", "loadb", "mw.l"}
	}
	for _, loader := range loaders {
		if loader == "mw.l" {
			return uploadWords(ctx, con, ram, data, opt)
		}
		cmd := fmt.Sprintf("%s %#x", loader, ram)
		first := ""
		started, err := con.Start(ctx, cmd, func(line []byte) bool {
			first = string(line)
			return true
		})
		if err != nil {
			return err
		}
		if started && strings.HasPrefix(first, "## Ready for binary") {
			return receive(ctx, con, cmd, data, opt)
		}
		if started {
			// Not a receiver's banner: let the command end.
			if err := con.Finish(ctx, cmd, nil); err != nil {
				return err
			}
		}
		opt.Logger.Warn("the board has no "+loader+"; trying the next way to upload", "said", first)
	}
	return fmt.Errorf("no way to upload to RAM: the board has none of %v", loaders)
}

// receive sends data to the receiver cmd started (loady, loadb) and
// checks the size it reports.
func receive(ctx context.Context, con *console.Console, cmd string, data []byte, opt Options) error {
	line := &consoleLine{ctx: ctx, con: con}
	xopt := xfer.Options{Logger: opt.Logger, Progress: func(sent, total int) {
		if opt.Progress != nil {
			opt.Progress(sent, total, "uploading")
		}
	}}
	var err error
	if strings.HasPrefix(cmd, "loadb") {
		err = xfer.SendKermit(ctx, line, "image.bin", data, xopt)
	} else {
		err = xfer.SendYMODEM(ctx, line, "image.bin", data, xopt)
	}
	if err != nil {
		return fmt.Errorf("upload (%s): %w", cmd, err)
	}
	total := ""
	if err := con.Finish(ctx, cmd, console.Text(func(l []byte) error {
		if i := strings.Index(string(l), "## Total Size"); i >= 0 {
			total = string(l[i:])
		}
		return nil
	})); err != nil {
		return err
	}
	if !strings.HasSuffix(total, fmt.Sprintf("= %d Bytes", len(data))) {
		return fmt.Errorf("loady received %q, not %d bytes", total, len(data))
	}
	return nil
}

// uploadWords writes data with mw.l, a word a command: the slow last
// resort (little-endian words; the crc32 check that follows catches a
// board of the other order).
func uploadWords(ctx context.Context, con *console.Console, ram uint64, data []byte, opt Options) error {
	padded := append([]byte(nil), data...)
	for len(padded)%4 != 0 {
		padded = append(padded, 0xff)
	}
	for off := 0; off < len(padded); off += 4 {
		w := uint32(padded[off]) | uint32(padded[off+1])<<8 | uint32(padded[off+2])<<16 | uint32(padded[off+3])<<24
		if _, err := con.Output(ctx, fmt.Sprintf("mw.l %#x %08x", ram+uint64(off), w)); err != nil {
			return err
		}
		if opt.Progress != nil && off%4096 == 0 {
			opt.Progress(off, len(padded), "uploading with mw.l")
		}
	}
	return nil
}

// consoleLine lets a transfer protocol use the console's line.
type consoleLine struct {
	ctx context.Context
	con *console.Console
}

func (l *consoleLine) Write(b []byte) (int, error) {
	if err := l.con.Write(l.ctx, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (l *consoleLine) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	b, err := l.con.Next(ctx, timeout)
	if errors.Is(err, console.ErrTimeout) {
		return 0, xfer.ErrTimeout
	}
	return b, err
}
