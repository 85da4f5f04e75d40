package backup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/dialect/registry"
)

// Connection says how to reach a board and which bootloader to expect.
type Connection struct {
	// Port names the line: a serial device or tcp://HOST:PORT (see
	// console.Open), at Baud (default 115200) with Flow control; FindBaud
	// finds the rate instead (see Rates). Dial, when set, opens the line
	// instead (the simulator's ports, a test's pipe); the rate is set on
	// what it opens where the port can.
	Port     string
	Baud     int
	FindBaud bool
	Flow     string
	Dial     dialect.Dialer
	// Dialect is "auto" (or empty: tell it by its prompt, banner or
	// answer to version), a registry name, or a TOML profile's path.
	Dialect string
	// StopKeys, when set, replace every countdown's keys. Wake, when
	// set, is sent where Ctrl-C gets no answer (default: a CR, except to
	// U-Boot, where an empty line repeats the last command).
	StopKeys, Wake []byte
	// PowerCycle, when set, resets the board (a relay, uhubctl, a smart
	// plug): it runs once the line is open, so that the bootloader is
	// caught from power-on, and again when the board is found running
	// Linux.
	PowerCycle func(ctx context.Context) error
	// FastBaud, when set, moves the line to that rate for the work, where
	// the bootloader can (BaudSwitcher), and back on Close.
	FastBaud int
	// SyncTimeout bounds the wait for a prompt (default 30 s); IdleTimeout
	// how long a command may stay silent (default 10 s).
	SyncTimeout, IdleTimeout time.Duration
	// Transcript, when set, receives every byte the device sends.
	Transcript io.Writer
	Logger     *slog.Logger
}

// Device is an open session on a board.
type Device struct {
	Session dialect.Session
	// Port names the line (for the record); Baud is the rate it runs at
	// (FastBaud, once switched).
	Port string
	Baud int
	// AllowUnlisted reads ranges in none of the memory the bootloader
	// lists (a boot ROM, registers); without it CheckMapped refuses them.
	AllowUnlisted bool
	log           *slog.Logger
	fastFrom      int // the rate to go back to on Close, after a switch
}

// ErrUnknownDialect: Connection.Dialect names no bootloader.
var ErrUnknownDialect = errors.New("unknown bootloader name")

// Bootloader resolves a --dialect value: a registry name or a profile
// file; "auto" and "" give ok false.
func Bootloader(name string) (b dialect.Bootloader, ok bool, err error) {
	if name == "" || name == "auto" {
		return b, false, nil
	}
	if b, ok := registry.Lookup(name); ok {
		return b, true, nil
	}
	if strings.HasSuffix(name, ".toml") {
		p, err := profile.Load(name)
		if err != nil {
			return b, false, err
		}
		return profile.Bootloader(p, "a profile from "+name), true, nil
	}
	return b, false, fmt.Errorf("%w %q: auto, %s, or a profile FILE.toml", ErrUnknownDialect, name, strings.Join(registry.Names(), ", "))
}

// Connect opens the line (Connection.Dial, else the serial device or
// tcp:// port Connection.Port names) and then does what Open does; the
// session dials again whenever the line is lost.
func Connect(ctx context.Context, c Connection, opt dialect.Options) (*Device, error) {
	if c.Dial == nil {
		name, baud, flow, log := c.Port, c.Baud, c.Flow, c.Logger
		c.Dial = func(ctx context.Context) (console.Port, error) {
			return console.Open(ctx, name, console.PortOptions{Baud: baud, Flow: flow, Said: func(what string) {
				if log != nil {
					log.Debug(what)
				}
			}})
		}
	}
	if !c.FindBaud {
		// Said before the port is opened: a port that cannot be is
		// refused after the line that names it.
		c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
		c.Logger.Info(fmt.Sprintf("waiting for the bootloader on %s at %d baud", c.Port, cmp.Or(c.Baud, 115200)))
	}
	port, err := c.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return open(ctx, port, c, opt, !c.FindBaud)
}

// Open finds the bootloader on a port already open: it stops the autoboot,
// finds the prompt, tells which bootloader answers (or takes the one
// Connection.Dialect names) and opens a session on it. Connection.Dial, if
// set, opens the line again after it was lost; without it a lost line
// ends the session at once. opt says what the session will read, where
// that is known.
func Open(ctx context.Context, port console.Port, c Connection, opt dialect.Options) (*Device, error) {
	return open(ctx, port, c, opt, false)
}

// open is Open, told whether Connect said already that it waits for the
// bootloader.
func open(ctx context.Context, port console.Port, c Connection, opt dialect.Options, announced bool) (*Device, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	named, ok, err := Bootloader(c.Dialect)
	if err != nil {
		port.Close()
		return nil, err
	}
	candidates := registry.All()
	conOpt := console.Options{IdleTimeout: c.IdleTimeout, Logger: c.Logger, Transcript: c.Transcript}
	if ok {
		candidates = []dialect.Bootloader{named}
		conOpt = named.ConsoleOptions(conOpt)
	} else {
		conOpt = registry.ConsoleOptions(conOpt, candidates)
	}
	conOpt.StopKeys, conOpt.PowerCycle = c.StopKeys, c.PowerCycle
	if c.Wake != nil {
		conOpt.Wake = c.Wake
	}
	link := &dialect.Link{Console: conOpt, SyncTimeout: c.SyncTimeout}
	if c.Baud == 0 {
		c.Baud = 115200
	}
	var con *console.Console
	if c.FindBaud {
		c.Logger.Info("finding the baud rate on "+c.Port, "rates", Rates)
		fctx, cancel := context.WithTimeout(ctx, link.Timeout())
		con = console.New(port, conOpt)
		c.Baud, err = listenAtRates(fctx, con, conOpt.Wake, conOpt.Logger)
		cancel()
		if errors.Is(err, errNoRateToFind) {
			// Nothing to find, nothing wrong: go on (115200 stands for
			// the line's rate in estimates).
			c.Logger.Info(fmt.Sprintf("%s carries what its server's serial port is set to: there is no rate to find (-b auto), so bootdump goes on at that", c.Port))
			c.Baud, err = 115200, nil
		}
		if err != nil {
			con.Close()
			return nil, fmt.Errorf("%s: %w", c.Port, err)
		}
	} else if bs, ok := port.(console.BaudSetter); ok {
		if err := bs.SetBaudRate(c.Baud); err != nil {
			port.Close()
			return nil, err
		}
	}
	if redial := c.Dial; redial != nil {
		baud := c.Baud
		link.Dial = func(ctx context.Context) (console.Port, error) {
			port, err := redial(ctx)
			if bs, ok := port.(console.BaudSetter); ok && err == nil {
				if err = bs.SetBaudRate(baud); err != nil {
					port.Close()
				}
			}
			return port, err
		}
	}
	if !announced {
		c.Logger.Info(fmt.Sprintf("waiting for the bootloader on %s at %d baud", c.Port, c.Baud))
	}
	if con == nil {
		con = console.New(port, conOpt)
	}
	if c.PowerCycle != nil {
		c.Logger.Info("power-cycling the board")
		if err = c.PowerCycle(ctx); err != nil {
			con.Close()
			return nil, fmt.Errorf("power-cycling the board: %w", err)
		}
	}
	if err = link.Sync(ctx, con); err != nil {
		con.Close()
		var se *console.SyncError
		if errors.As(err, &se) && ctx.Err() == nil {
			return nil, fmt.Errorf("%s at %d baud: %w", c.Port, c.Baud, err)
		}
		return nil, err
	}
	found := registry.Found{Bootloader: named, Reason: "--dialect " + c.Dialect}
	if !ok {
		if found, err = registry.Detect(ctx, con, candidates); err != nil {
			con.Close()
			return nil, err
		}
		c.Logger.Info(fmt.Sprintf("recognised %s: %s", found.Bootloader.Human(), found.Reason), "dialect", found.Bootloader.Name)
	}
	opt.Detected = found.Reason
	if opt.Logger == nil {
		opt.Logger = c.Logger
	}
	sess, err := found.Bootloader.Open(ctx, con, link, opt)
	if err != nil {
		con.Close()
		if errors.Is(err, console.ErrReset) && ctx.Err() == nil {
			return nil, fmt.Errorf("reading %#x made the device reset: the address is probably outside its memory map (see bdinfo): %w", opt.Addr, err)
		}
		return nil, err
	}
	id := sess.Identity()
	// A profile's bootloader may show no version: its name then.
	c.Logger.Info(fmt.Sprintf("found %s at %d baud; reading with %s", cmp.Or(id.Version, registry.Human(id.Dialect)), c.Baud, id.Command), "dialect", id.Dialect, "prompt", id.Prompt)
	d := &Device{Session: sess, Port: c.Port, Baud: c.Baud, log: c.Logger}
	if c.FastBaud == 0 || c.FastBaud == c.Baud {
		return d, nil
	}
	if strings.HasPrefix(c.Port, "telnet://") {
		// The board would switch and the server's real UART could not
		// follow. (A tcp:// port may be a virtual UART, QEMU's, that
		// carries any rate: there the board's switch is tried.)
		c.Logger.Warn(fmt.Sprintf("%s has no rate bootdump can set (its server's is fixed; rfc2217:// sets it): staying at the server's rate", c.Port))
		return d, nil
	}
	bs, ok := sess.(dialect.BaudSwitcher)
	if !ok {
		c.Logger.Warn(fmt.Sprintf("%s cannot change its baud rate here; staying at %d baud", id.Dialect, c.Baud))
		return d, nil
	}
	if err := bs.SwitchBaud(ctx, c.Baud, c.FastBaud); err != nil {
		if ctx.Err() != nil {
			sess.Close()
			return nil, ctx.Err()
		}
		c.Logger.Warn(fmt.Sprintf("staying at %d baud: %v", c.Baud, err))
		return d, nil
	}
	c.Logger.Info(fmt.Sprintf("switched the line to %d baud", c.FastBaud))
	d.Baud, d.fastFrom = c.FastBaud, c.Baud
	return d, nil
}

// Close ends the session. After an interrupted command (ctx done) it
// stops the command's output first so the next run finds a quiet prompt;
// after a baud switch it puts the board back at its rate.
func (d *Device) Close(ctx context.Context) error {
	if ctx.Err() != nil {
		d.Session.Console().Interrupt()
	}
	if d.fastFrom != 0 {
		// Even after Ctrl-C: leave the board at the rate it had.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var err error
		if ctx.Err() != nil {
			err = d.Session.Resync(rctx)
		}
		if err == nil {
			err = d.Session.(dialect.BaudSwitcher).SwitchBaud(rctx, d.Baud, d.fastFrom)
		}
		if err != nil {
			d.log.Warn(fmt.Sprintf("could not switch the board back to %d baud (a reset will): %v", d.fastFrom, err))
		}
	}
	return d.Session.Close()
}

// CheckRange refuses, before any memory is read, a range beyond the
// board's address space.
func (d *Device) CheckRange(addr, size uint64) error {
	if end := addr + size; d.Session.AddrBits() == 32 && (end > 1<<32 || end < addr) {
		return &AddressSpaceError{Addr: addr, Size: size, Bits: 32}
	}
	return nil
}

// norBanker is a session that lists its memory-mapped NOR flash banks.
type norBanker interface {
	NORBanks(ctx context.Context) ([]dialect.NORBank, error)
}

// CheckMapped refuses, before any memory is read, a range that starts in
// a NOR flash bank the bootloader lists and runs past its end: reading on
// would fault or wrap, and the device would only say it reset.
func (d *Device) CheckMapped(ctx context.Context, addr, size uint64) error {
	nb, ok := d.Session.(norBanker)
	if !ok {
		return nil
	}
	banks, err := nb.NORBanks(ctx)
	if err != nil {
		return nil // no flinfo: nothing known
	}
	for _, b := range banks {
		end := b.Start + b.Size
		if addr >= b.Start && addr < end && addr+size > end {
			return &RangeError{Addr: addr, Size: size, Bank: &b, End: end}
		}
	}
	return d.checkListed(ctx, addr, size)
}

// checkListed refuses a range in none of the memory the bootloader lists,
// where it lists both RAM and flash (a map without either is not the
// whole board's), unless AllowUnlisted: a read there hangs or resets most
// boards, after a long wait for an answer that never comes.
func (d *Device) checkListed(ctx context.Context, addr, size uint64) error {
	ml, ok := d.Session.(dialect.MemoryLister)
	if !ok || d.AllowUnlisted {
		return nil
	}
	regions, err := ml.Memory(ctx)
	if err != nil {
		return nil
	}
	ram, flash := false, false
	for _, r := range regions {
		if overlaps(addr, size, r.Start, r.Size) || r.Size == 0 { // a size not said: the map is not known
			return nil
		}
		ram, flash = ram || r.RAM, flash || !r.RAM
	}
	if !ram || !flash {
		return nil
	}
	return &UnlistedError{Addr: addr, Size: size, Regions: regions}
}

// overlaps: [a, a+n) and [b, b+m) share an address, MIPS's KSEG0 and
// KSEG1 (and their 64-bit, sign-extended forms) taken as the memory they
// both reach.
func overlaps(a, n, b, m uint64) bool {
	a, b = dialect.Physical(a), dialect.Physical(b)
	return a < b+m && b < a+n
}

// UnlistedError is a range in none of the memory the bootloader lists.
type UnlistedError struct {
	Addr, Size uint64
	Regions    []dialect.Region
}

func (e *UnlistedError) Error() string {
	var parts []string
	for _, r := range e.Regions {
		parts = append(parts, fmt.Sprintf("%s %#x..%#x (%s)", r.What, r.Start, r.Start+r.Size-1, r.From))
	}
	return fmt.Sprintf("%#x + %#x is in none of the memory the bootloader lists (%s): a read outside them hangs or resets most boards; check --addr (bootdump info lists the board's memory), or give --unlisted to read it anyway",
		e.Addr, e.Size, strings.Join(parts, ", "))
}
