package sim

import (
	"context"
	"io"
	"slices"
	"time"
)

// Config describes a simulated board: U-Boot by default, or another
// bootloader (Dialect).
type Config struct {
	// Dialect is the bootloader the board runs: "uboot" (the default) or
	// another of Dialects(), each a personality in a file of its own.
	Dialect string
	// Images is the Winbond boot loader's image table (LS).
	Images    []Image
	Image     []byte // flash contents, mapped at Base
	Base      uint64 // default: the personality's (0x04000000 for U-Boot, the second CFI flash of QEMU's virt board)
	Baud      int    // line rate to pace output at; 0 sends as fast as the host reads
	BigEndian bool   // units printed in big-endian CPU order (PowerPC, MIPS BE)
	OldLayout bool   // releases before the hexdump rewrite: four spaces before the ASCII column, short lines unpadded
	Bits64    bool   // a 64-bit build: md.q exists, bdinfo prints 64-bit values
	BootDelay int    // autoboot countdown in seconds; default 2, negative for none
	Prompt    string // default: the personality's ("=> " for U-Boot)
	NoCRC32   bool   // a build without the crc32 command
	NoBootm   bool   // a build without bootm (go still runs programs)
	// Lacks names more commands the build is without (loady, loads, ...).
	Lacks []string
	// NoCompiler: version names no compiler (as 1.1.x and some vendors'
	// builds print it).
	NoCompiler bool
	// Console is the UART's device name (the banner's In: line); default
	// pl011@9000000, on which go hangs as it does on QEMU's virt board.
	Console string
	// UARTClock is the clock of a 16550 console (a serial@... Console):
	// default 14.7456 MHz, which divides down to 921600 baud. A PL011's
	// is 24 MHz, as on QEMU's virt board.
	UARTClock uint64
	// ForeignExports: the exported jump table holds a vendor's functions
	// after get_version, not getc, tstc and putc; a program that prints
	// through it prints nothing.
	ForeignExports bool
	Ethaddr        string // U-Boot's ethaddr variable (what tells two boards of one build apart); none if empty

	// Flash lists the devices behind sf, nand, mtd and mmc (the image
	// above is the memory-mapped NOR flash, nor0 to mtd).
	Flash []FlashDevice
	// Mtdparts, when set, is the mtdparts variable naming partitions.
	Mtdparts string
	// ProtectFirst write-protects the flash's first bytes at power-on (the
	// sectors that hold the bootloader, as on QEMU's first bank).
	ProtectFirst uint64
	// EraseUnit is what the NOR flash really erases at a time, when it is
	// more than the 128 KiB sectors flinfo shows (QEMU's virt flash: two
	// x16 chips side by side erase 256 KiB). EraseTime and ProgramTime are
	// how long a sector erase and a cp.b take, silently, as slow parts do.
	EraseUnit              uint64
	EraseTime, ProgramTime time.Duration

	// BaudRates are the rates `setenv baudrate` accepts; default 9600 to
	// 921600. Real U-Boot on QEMU's virt board stops at 115200.
	BaudRates []int

	// Faults, when set, injects line noise, stalls, resets and dropped
	// connections (see Faults).
	Faults *Faults

	// Watchdog, when set, resets the board that long after each power-on,
	// wherever it is, as a watchdog the bootloader never feeds does.
	// PowerOnAfter keeps the board switched off that long at first: a
	// host that starts first finds a silent line.
	Watchdog, PowerOnAfter time.Duration
	// Linux, when set, is what the board boots when its autoboot is not
	// stopped: a kernel log, then a BusyBox shell (else it finds no
	// kernel and falls back to its prompt).
	Linux bool

	// HostBaud, when set, reports the rate the host's side of the line is
	// set to; when it differs from Baud the host reads garbage and the
	// board reads garbage, as with a mismatched real UART.
	HostBaud func() int
}

const (
	ramBase = 0x40000000
	ramSize = 256 << 20
	ctrlC   = 0x03
)

// personality is one bootloader the simulator runs: its defaults and the
// firmware it boots. Each lives in a file of its own and registers here.
type personality struct {
	base   uint64 // where the board maps its flash
	prompt string
	boot   func(b *parts) firmware
	// ram, ramSize: where its RAM is (default 256 MiB at 0x40000000, as
	// on QEMU's virt board)
	ram, ramSize uint64
	mips         bool // a MIPS board: RAM and flash seen through KSEG0 and KSEG1
	bigEndian    bool // its CPU's byte order when a sim: port names none
}

// parts are what a firmware runs on: the board's configuration, its line,
// its memory and its faults.
type parts struct {
	cfg    Config
	line   *line
	faults *faultState
	mem    *memory
}

var personalities = map[string]personality{}

// register adds a personality; each personality's file calls it.
func register(name string, p personality) { personalities[name] = p }

// Dialects are the bootloaders the simulator runs, sorted.
func Dialects() []string {
	var names []string
	for n := range personalities {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultBase is where a dialect's simulated board maps its flash.
func DefaultBase(dialect string) uint64 { return personalities[dialect].base }

func (c Config) withDefaults() Config {
	if c.Dialect == "" {
		c.Dialect = "uboot"
	}
	if c.Base == 0 {
		c.Base = personalities[c.Dialect].base
	}
	if c.BootDelay == 0 {
		c.BootDelay = 2
	}
	if c.Prompt == "" {
		c.Prompt = personalities[c.Dialect].prompt
	}
	if c.BaudRates == nil {
		c.BaudRates = []int{9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}
	}
	return c
}

// Board is a simulated board running a bootloader. It lives across host
// connections, as a real board lives across USB-serial adapters being
// plugged in and out; a reset (a fault, or a bad address) reboots it.
type Board struct {
	cfg    Config
	line   *line
	faults *faultState
	fw     firmware
}

// firmware is what runs on the board.
type firmware interface {
	// run is one power-on, until a reset (errReset) or ctx ends.
	run(ctx context.Context) error
}

// NewBoard builds a board (cfg.Dialect must be one of Dialects()); Run
// powers it on.
func NewBoard(cfg Config) *Board {
	cfg = cfg.withDefaults()
	var fs *faultState
	if cfg.Faults != nil {
		fs = newFaultState(*cfg.Faults)
	}
	l := newLine(cfg.Baud, cfg.HostBaud, fs, cfg.Watchdog)
	p := personalities[cfg.Dialect]
	mem := &memory{flashBase: cfg.Base, flash: cfg.Image, ramBase: ramBase, ramSize: ramSize}
	if p.ramSize != 0 {
		mem.ramBase, mem.ramSize = p.ram, p.ramSize
	}
	mem.mips = p.mips
	fw := p.boot(&parts{cfg: cfg, line: l, faults: fs, mem: mem})
	return &Board{cfg: cfg, line: l, faults: fs, fw: fw}
}

// Attach connects a host to the board's console, cutting off any other.
// The channel closes when that host hangs up.
func (u *Board) Attach(ctx context.Context, rw io.ReadWriter) <-chan struct{} {
	return u.line.attach(ctx, rw)
}

// Faults reports what the board's fault injection has done so far.
func (u *Board) Faults() FaultCounts { return u.faults.snapshot() }

// Run powers the board on and runs it until ctx ends, rebooting after
// each reset.
func (u *Board) Run(ctx context.Context) error {
	if err := u.line.off(ctx, u.cfg.PowerOnAfter); err != nil {
		return err
	}
	for {
		err := u.fw.run(ctx)
		if _, ok := err.(errReset); ok {
			continue
		}
		return err
	}
}

// errReset unwinds a board that resets.
type errReset struct{}

func (errReset) Error() string { return "board reset" }

// catchReset, deferred by a firmware's run, turns the errReset panic of a
// board that resets into run's error.
func catchReset(err *error) {
	if r := recover(); r != nil {
		e, isReset := r.(errReset)
		if !isReset {
			panic(r)
		}
		*err = e
	}
}

// Serve runs a simulated board's console on rw until ctx ends or the
// host side closes. Each call is a power-on: banner, autoboot, prompt.
func Serve(ctx context.Context, rw io.ReadWriter, cfg Config) error {
	return NewBoard(cfg).Serve(ctx, rw)
}

// Serve runs the board with its console on rw until ctx ends or the host
// side closes.
func (board *Board) Serve(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hangup := board.Attach(ctx, rw)
	go func() {
		<-hangup
		cancel()
	}()
	err := board.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
