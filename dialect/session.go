package dialect

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bootdump/bootdump/console"
)

// Reader is what the dump engine reads through: a session, or a flash
// window of one. Every one can get back to a fresh prompt after a failed
// command and reconnect after the line was lost.
type Reader interface {
	Identity() Identity
	// ReadMemory reads len(dst) bytes at addr, checking every line;
	// progress, if set, is told how many bytes are done.
	ReadMemory(ctx context.Context, addr uint64, dst []byte, progress func(n int)) error
	Resync(ctx context.Context) error
	Reconnect(ctx context.Context) error
}

// Session is a conversation with one bootloader: every dialect implements
// it. What only some bootloaders can do is asked for by the narrow
// interfaces below, each asserted at compile time where it is implemented.
type Session interface {
	Reader
	// Console is the session's console (it changes on Reconnect).
	Console() *console.Console
	// LineChars is what one 16-byte dump line costs on the wire at addr,
	// line end included: the measure of the line-rate ceiling.
	LineChars(addr uint64) int
	// AddrBits is the board's address width, 32 or 64.
	AddrBits() int
	Close() error
}

// Checksummer is a device with a checksum command.
type Checksummer interface {
	// Checksum asks the device for the checksum of n bytes at addr.
	Checksum(ctx context.Context, addr, n uint64) (uint32, error)
	// Algorithm is the checksum it computes, which the host computes too.
	Algorithm() Algorithm
}

// FillChecker is a device that can confirm, on the device, that a range
// holds one byte value throughout (U-Boot: cmp.b against a filled buffer).
type FillChecker interface {
	IsFilled(ctx context.Context, addr, n uint64, fill byte) (bool, error)
}

// BaudSwitcher is a bootloader that can move its line to another rate.
type BaudSwitcher interface {
	// SwitchBaud moves the line from one rate to another, host and board;
	// a rate the board does not offer is an ErrBaudRefused, the line
	// left as it was.
	SwitchBaud(ctx context.Context, from, to int) error
}

// ErrBaudRefused: the board does not offer the baud rate.
var ErrBaudRefused = errors.New("the board refuses the baud rate")

// FastReader is a bootloader on which bootdump can run a reader faster
// than its dump command (U-Boot's binary reader).
type FastReader interface {
	// StartFastReader puts it on the board and returns it; where it
	// cannot run, the error wraps ErrNoFastReader and says why.
	StartFastReader(ctx context.Context, opt FastOptions) (Reader, error)
}

// FastOptions tune a fast reader.
type FastOptions struct {
	// Uncompressed sends every block as it is: the reader otherwise
	// deflates on the device each block that deflate makes shorter
	// (code, tables, text; not random or compressed data).
	Uncompressed bool
}

// Streamer is a reader whose every run costs a setup (the binary
// reader): the dump engine reads a whole range through one run, and
// checks each chunk of it as it arrives against the checksum it has.
type Streamer interface {
	// Stream reads n bytes at addr and hands them to take in order, a
	// block at a time; an error from take ends the run, and is returned.
	Stream(ctx context.Context, addr, n uint64, take func(data []byte) error) error
}

// ErrNoFastReader: the fast reader cannot run on this board; the dump
// command still can.
var ErrNoFastReader = errors.New("the binary reader cannot run here")

// ImageTabler is a bootloader that keeps a table of the images in its
// flash (the Winbond loader's LS).
type ImageTabler interface {
	Images(ctx context.Context) ([]Image, error)
}

// ImageWriter is a bootloader that writes whole images into the table it
// keeps (the Winbond loader's FX), each taken by an upload.
type ImageWriter interface {
	ImageTabler
	// StageImage uploads data into the RAM WriteImage will take im's
	// upload into: flash and table stay as they are (MX).
	StageImage(ctx context.Context, im Image, data []byte, progress func(sent, total int)) error
	// WriteImage uploads data and programs it as im. The bootloader
	// deletes a listed image of im's number first, before the upload
	// comes (FX): an upload that fails leaves none.
	WriteImage(ctx context.Context, im Image, data []byte, progress func(sent, total int)) error
	// ImageCommands are what StageImage and WriteImage send for im (a
	// plan), replacing a listed image or not.
	ImageCommands(im Image, replace bool) (stage, write []string)
	// ImageUpload is how those uploads go, and how fast; Listed is the
	// size the table lists for n bytes written (whole upload blocks).
	ImageUpload() UploadWay
	Listed(n uint64) uint64
	// ImageArea is where images may start (after the bootloader's own
	// block) and the block they start on; ImageSpan the flash im takes,
	// its table entry included.
	ImageArea() (start, block uint64)
	ImageSpan(im Image) (start, end uint64)
}

// RawBurner is a bootloader that writes raw data from its flash's start,
// its own block included, taking it by an upload (the Winbond loader's
// BX): it erases and writes block by block, and compares what it wrote.
type RawBurner interface {
	BurnRaw(ctx context.Context, data []byte, progress func(sent, total int)) error
	// RawArea is where BurnRaw writes, and what it takes.
	RawArea() RawArea
	// RawCommand is what BurnRaw types ("" where the bootloader has none).
	RawCommand() string
}

// RawArea is the flash a RawBurner writes: from Start, Size bytes (0 where
// the bootloader did not say), in erase blocks of Block, the first of
// which holds the bootloader; an upload takes at most MaxUpload bytes,
// and goes by Way.
type RawArea struct {
	Start, Size, Block, MaxUpload uint64
	Way                           UploadWay
}

// BurnsRaw is s as a RawBurner, where it really has the command.
func BurnsRaw(s Session) (RawBurner, bool) {
	b, ok := s.(RawBurner)
	if !ok || b.RawCommand() == "" {
		return nil, false
	}
	return b, true
}

// WritesImages is s as an ImageWriter, where it really writes images (a
// profile's session has the methods whether or not its bootloader can:
// ImageUpload names no way where it cannot).
func WritesImages(s Session) (ImageWriter, bool) {
	w, ok := s.(ImageWriter)
	if !ok || w.ImageUpload().Command == "" {
		return nil, false
	}
	return w, true
}

// Describer is a bootloader that can say what the board has: RAM, flash
// devices, partitions, bad blocks (bootdump info).
type Describer interface {
	Describe(ctx context.Context) (*Board, error)
}

// FlashWindower is a bootloader that can read a flash the CPU does not map
// by copying it into RAM first (sf read, nand read, mtd read, mmc read).
type FlashWindower interface {
	OpenWindow(ctx context.Context, src Source, opt WindowOptions) (FlashWindow, error)
}

// ErrNoWindowRAM: no RAM was found for a flash window (WindowOptions.RAM
// places it); ErrWindowTooSmall: a read does not fit the window.
var (
	ErrNoWindowRAM    = errors.New("no RAM for the flash window")
	ErrWindowTooSmall = errors.New("the read does not fit the RAM window")
)

// WindowOptions place a flash window: Size bytes of RAM (at least what
// one read copies), at RAM or, when 0, where the bootloader loads things.
type WindowOptions struct {
	Size, RAM uint64
}

// Region is memory a bootloader says the board has, at the addresses the
// CPU reads it at.
type Region struct {
	Start, Size uint64
	What, From  string // "RAM", "NOR flash bank 1"; "bdinfo", "flinfo"
	RAM         bool
}

// Physical is a MIPS segment's address (KSEG0 and KSEG1, 32-bit or
// sign-extended) as the memory it reaches, any other address as it is:
// the two segments alias the same memory.
func Physical(addr uint64) uint64 {
	if addr >= 0x80000000 && addr < 0xc0000000 || addr >= 0xffffffff80000000 && addr < 0xffffffffc0000000 {
		return addr & 0x1fffffff
	}
	return addr
}

// MemoryLister is a bootloader that says what memory the board has.
type MemoryLister interface {
	Memory(ctx context.Context) ([]Region, error)
}

// RangeUser is a session told what it will read, so that the RAM it uses
// for itself (scratch buffers, windows, uploads) stays clear of it.
type RangeUser interface {
	UseRange(addr, size uint64)
}

// FlashWindow reads a flash through RAM; its addresses are offsets in the
// flash. It is a Checksummer and a FillChecker where its bootloader is.
type FlashWindow interface {
	Reader
	Device() Flash
	Size() uint64        // what the source holds (a partition's size)
	BadBlocks() []uint64 // NAND blocks never read, offsets in the source
	RAM() (addr, size uint64)
	// Raw switches to pages with their spare areas (NAND); PageUnit is
	// then a page's data and what one unit of the image holds.
	Raw() error
	PageUnit() (page, unit uint64)
	// Forget drops what the RAM holds (it was written over).
	Forget()
}

// Options open a session.
type Options struct {
	// Addr and Size, when set, are the range the session will read: the
	// start is probed to learn the board, and scratch RAM is chosen
	// outside it (RangeUser tells a session later).
	Addr, Size uint64
	// MaxWidth caps the dump unit width (1, 2, 4 or 8); 0 for the widest.
	MaxWidth int
	// NoUpload puts no program on the board: no fast reader, and no rate
	// switch by one (dump --reader md).
	NoUpload bool
	// Detected says how the bootloader was recognised (the record keeps it).
	Detected string
	Logger   *slog.Logger
}

// StepKind is what a flash command does: restore checks what each kind
// of step must leave alone, whatever the bootloader calls it.
type StepKind int

const (
	Unprotect StepKind = iota // lifts write protection
	Erase                     // erases: the blocks beside it must still hold what they held
	Program                   // writes from RAM
	Protect                   // puts write protection back
	Fetch                     // copies flash into the RAM window
	Check                     // checksums
)

// Step is one command of a restore, and what it does.
type Step struct {
	Kind    StepKind
	Command string
}

func (s Step) String() string { return s.Command }

// Programmer is a bootloader that writes flash: it uploads an image to RAM
// and programs erase blocks from there, a command at a time, each answer
// checked. Package restore plans and runs the work; the commands are the
// bootloader's.
// UploadWay is how a board takes an upload to RAM, and how fast: a plan
// says how long it takes.
type UploadWay struct {
	Command string // what carries the bytes: loady, loadb, ..., "binary reader", mw.l
	// Share is the part of the line's rate the data gets (a protocol's
	// framing, its answers, a command's echo); Setup is bytes carried
	// once by SetupShare before the first upload (the reader put on the
	// board), 0 when nothing is.
	Share, SetupShare float64
	Setup             uint64
	// Wait is how long each upload waits before its first byte goes.
	Wait time.Duration
}

// Time is how long uploads of n bytes in all take at baud.
func (w UploadWay) Time(n uint64, baud int) time.Duration {
	perSecond := float64(baud) / 10 // 8N1
	secs := float64(n) / (w.Share * perSecond)
	if w.Setup > 0 {
		secs += float64(w.Setup) / (w.SetupShare * perSecond)
	}
	return time.Duration(secs * float64(time.Second))
}

type Programmer interface {
	Checksummer
	// Upload puts data into RAM at ram the best way the board has;
	// progress, if set, hears how far it is and how.
	Upload(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error
	// UploadWay is how Upload will carry n bytes on this board (it asks
	// the board which loaders it has, and sends nothing else).
	UploadWay(ctx context.Context, n uint64) (UploadWay, error)
	// UploadCommands is what an upload of n bytes to ram that way sends
	// and checks it by (for a plan).
	UploadCommands(way UploadWay, ram, n uint64) []string
	// ProgramSteps erase one erase block of the flash kind (NOR: by
	// address; SPI, NAND: by offset) and program its first n bytes from
	// RAM at from; page is the NAND page size.
	ProgramSteps(kind FlashKind, addr, size, from, n, page uint64) []Step
	// CheckSteps read a written block back (through the RAM window at
	// window, where the flash is not mapped) and checksum it (for a plan).
	CheckSteps(kind FlashKind, addr, size, window uint64) []Step
	// RunStep sends one of ProgramSteps and checks its answer.
	RunStep(ctx context.Context, step Step) error
	// NORBanks lists the memory-mapped NOR flash banks and their sectors.
	NORBanks(ctx context.Context) ([]NORBank, error)
	// FreeRAM is RAM for n bytes clear of what the session reads and of
	// its windows: where an upload goes.
	FreeRAM(ctx context.Context, n uint64) (uint64, error)
}
