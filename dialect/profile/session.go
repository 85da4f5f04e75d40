package profile

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/hexdump"
)

// ErrCommand: the bootloader said the command failed.
var ErrCommand = dialect.ErrCommand

// Session reads memory through a profile's commands.
type Session struct {
	p         *Profile
	con       *console.Console
	link      *dialect.Link
	log       *slog.Logger
	maxWidth  int
	order     binary.ByteOrder // the CPU's, once learned (when the profile does not fix it)
	version   string
	detected  string
	lineChars int    // the longest data line seen, line end included
	flashSize uint64 // as the boot banner said, if it was seen
}

// Open starts a session on a synced console. link, if not nil, is how to
// reach the board again after the line was lost. What the session can do
// is said by the interfaces it has: a profile with a checksum command
// opens a dialect.Checksummer.
func Open(ctx context.Context, con *console.Console, link *dialect.Link, p *Profile, opt dialect.Options) (dialect.Session, error) {
	s, err := open(ctx, con, link, p, opt)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Checksum != nil && p.Baud != nil:
		return withChecksumAndBaud{withChecksum{s}}, nil
	case p.Checksum != nil:
		return withChecksum{s}, nil
	case p.Baud != nil:
		return withBaud{s}, nil
	}
	return s, nil
}

func open(ctx context.Context, con *console.Console, link *dialect.Link, p *Profile, opt dialect.Options) (*Session, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if link == nil {
		link = &dialect.Link{}
	}
	s := &Session{p: p, con: con, link: link, log: opt.Logger, maxWidth: opt.MaxWidth, detected: opt.Detected, order: p.Order}
	if err := s.settle(ctx); err != nil {
		return nil, err
	}
	s.version = s.bannerLine(con.Seen())
	s.flashSize = bannerFlashSize(p.Writes, con.Seen())
	if p.Version != "" {
		lines, err := con.Output(ctx, p.Version)
		if err != nil {
			return nil, err
		}
		if v := s.bannerLine(strings.Join(lines, "\n")); v != "" {
			s.version = v
		}
	}
	return s, nil
}

// bannerLine is the first line of text that holds one of the banners
// and is no error message (which names the bootloader too, but not its
// version).
func (s *Session) bannerLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.Trim(l, "\r ")
		if s.isError(l) {
			continue
		}
		for _, b := range s.p.Banners {
			if strings.Contains(l, b) {
				return l
			}
		}
	}
	return ""
}

// settle clears the line the prompt was found on, where the profile asks
// (line editors that keep every key bootdump sent while syncing).
func (s *Session) settle(ctx context.Context) error {
	if len(s.p.Settle) == 0 {
		return nil
	}
	return s.con.ClearLine(ctx, s.p.Settle)
}

// Profile is the profile the session speaks.
func (s *Session) Profile() *Profile { return s.p }

// Console is the session's console (it changes on Reconnect).
func (s *Session) Console() *console.Console { return s.con }

// Close closes the line.
func (s *Session) Close() error { return s.con.Close() }

// AddrBits is the profile's address width (32 unless it says 64).
func (s *Session) AddrBits() int { return cmp.Or(s.p.AddrBits, 32) }

// read is the dump command in use: the widest allowed.
func (s *Session) read() Read {
	for _, r := range s.p.Reads {
		if s.maxWidth == 0 || r.Width <= s.maxWidth {
			return r
		}
	}
	return s.p.Reads[len(s.p.Reads)-1]
}

// narrowest is the byte-wide dump command, if there is one.
func (s *Session) narrowest() (Read, bool) {
	r := s.p.Reads[len(s.p.Reads)-1]
	return r, r.Width == 1
}

// Identity describes the session for the dump record.
func (s *Session) Identity() dialect.Identity {
	r := s.read()
	order := dialect.OrderName(s.order)
	if r.Width == 1 {
		order = "" // bytes have none
	}
	checksum := ""
	if s.p.Checksum != nil {
		checksum = s.p.Checksum.Algorithm.Name
	}
	return dialect.Identity{
		Dialect: s.p.Name, Version: s.version, Prompt: s.con.Prompt(), ByteOrder: order,
		Command: strings.NewReplacer("0x{addr}", "ADDR", "0x{len}", "LEN", "0x{end}", "END", "{addr}", "ADDR", "{len}", "LEN", "{end}", "END").Replace(r.Command), AddrBits: s.AddrBits(),
		Checksum: checksum, Detected: s.detected,
	}
}

// LineChars is what one 16-byte line costs on the wire: as measured, or a
// typical 80 until a line was seen.
func (s *Session) LineChars(uint64) int {
	if s.lineChars == 0 {
		return 80
	}
	return s.lineChars
}

// ReadMemory reads len(dst) bytes at addr, checking every line.
func (s *Session) ReadMemory(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	err := s.readMemory(ctx, addr, dst, progress)
	if errors.Is(err, hexdump.ErrBadLine) {
		return dialect.Garbled(err) // the console is still in step
	}
	return err
}

func (s *Session) readMemory(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	r := s.read()
	order := s.order
	if order == nil && r.Width > 1 {
		if err := s.probeOrder(ctx, addr); err != nil {
			return err
		}
		if order = s.order; order == nil {
			// Not known yet (the bytes read the same either way): bytes
			// need no order.
			if b, ok := s.narrowest(); ok {
				r = b
			} else {
				order = binary.LittleEndian
			}
		}
	}
	return s.dump(ctx, r, order, addr, dst, progress)
}

// dump runs r's command as often as it takes to cover dst.
func (s *Session) dump(ctx context.Context, r Read, order binary.ByteOrder, addr uint64, dst []byte, progress func(int)) error {
	align := max(s.p.Align, 1)
	col := &collector{want: addr, dst: dst, progress: progress}
	parser := r.Line(order)
	end := addr + uint64(len(dst))
	for at := addr &^ (align - 1); col.covered() < end; {
		n := (end - at + 15) &^ 15
		if s.p.PerCall > 0 {
			n = uint64(s.p.PerCall)
		}
		cmd := Expand(r.Command, at, n)
		if err := s.exec(ctx, cmd, parser, col); err != nil {
			return err
		}
		if col.covered() <= at {
			return fmt.Errorf("%s printed no data for %#x", cmd, at)
		}
		at = col.covered()
	}
	return nil
}

// exec runs one dump command and feeds its lines to col.
func (s *Session) exec(ctx context.Context, cmd string, parser dialect.LineParser, col *collector) error {
	var buf []byte
	err := s.con.Exec(ctx, cmd, func(line []byte) (bool, error) {
		addr, data, err := parser.ParseLine(line, buf[:0])
		if err != nil {
			// The last line may end in the console's " ok"; a line whose
			// data ends in those bytes parses as it is.
			if cut, acked := s.p.withoutAck(line); acked {
				if len(cut) == 0 {
					return false, nil
				}
				addr, data, err = parser.ParseLine(cut, buf[:0])
			}
		}
		if err != nil {
			return false, s.otherLine(cmd, line, err)
		}
		buf = data
		s.lineChars = max(s.lineChars, len(line)+2)
		return true, col.add(addr, data)
	})
	return err
}

// otherLine judges a line that is not data: expected text, a status, an
// error message, or a bad line (parseErr).
func (s *Session) otherLine(cmd string, line []byte, parseErr error) error {
	text := strings.Trim(string(line), "\r ")
	if text == "" {
		return nil
	}
	for _, skip := range s.p.Skip {
		if strings.HasPrefix(text, skip) {
			return nil
		}
	}
	if s.p.Status != nil {
		if m := s.p.Status.FindStringSubmatch(text); m != nil {
			if m[1] != "0" {
				return fmt.Errorf("%w: %s ended with status %s", ErrCommand, cmd, m[1])
			}
			return nil
		}
	}
	if s.isError(text) {
		return fmt.Errorf("%w: %s printed %q", ErrCommand, cmd, text)
	}
	return parseErr
}

// probeOrder compares a byte dump and a wide dump of the 16 bytes at addr
// (rounded down to 16). Bytes that read the same either way cannot tell.
func (s *Session) probeOrder(ctx context.Context, addr uint64) error {
	b, ok := s.narrowest()
	if !ok {
		return nil
	}
	addr &^= 15
	raw := make([]byte, 16)
	if err := s.dump(ctx, b, nil, addr, raw, nil); err != nil {
		return err
	}
	r := s.read()
	le, be := make([]byte, 16), make([]byte, 16)
	errLE := s.dump(ctx, r, binary.LittleEndian, addr, le, nil)
	if errLE != nil && !errors.Is(errLE, hexdump.ErrBadLine) {
		return errLE
	}
	errBE := s.dump(ctx, r, binary.BigEndian, addr, be, nil)
	if errBE != nil && !errors.Is(errBE, hexdump.ErrBadLine) {
		return errBE
	}
	isLE, isBE := errLE == nil && bytes.Equal(le, raw), errBE == nil && bytes.Equal(be, raw)
	switch {
	case isLE && isBE:
	case isLE:
		s.order = binary.LittleEndian
	case isBE:
		s.order = binary.BigEndian
	default:
		return &hexdump.LineError{Addr: addr, Reason: "byte and unit dumps disagree: the line is noisy or the memory changes"}
	}
	return nil
}

// withChecksum is a session of a profile that has a checksum command.
type withChecksum struct{ *Session }

// Checksum asks for the device's checksum of n bytes at addr (the
// profile's algorithm, which Algorithm computes here too).
func (s withChecksum) Checksum(ctx context.Context, addr, n uint64) (uint32, error) {
	c := s.p.Checksum
	cmd := Expand(c.Command, addr, n)
	lines, err := s.con.Output(ctx, cmd)
	if err != nil {
		return 0, err
	}
	for _, l := range lines {
		cut, _ := s.p.withoutAck([]byte(l))
		if sum, ok := c.parseSum(strings.Trim(string(cut), "\r ")); ok {
			return sum, nil
		}
	}
	return 0, fmt.Errorf("%s printed no checksum: %q", cmd, lines)
}

// Algorithm is the profile's checksum.
func (s withChecksum) Algorithm() dialect.Algorithm { return s.p.Checksum.Algorithm }

// Resync brings the console back to a fresh prompt after a failed command.
func (s *Session) Resync(ctx context.Context) error {
	if err := s.link.Sync(ctx, s.con); err != nil {
		return err
	}
	return s.settle(ctx)
}

// Reconnect dials the board again after the line was lost.
func (s *Session) Reconnect(ctx context.Context) error {
	con, err := s.link.Replace(ctx, s.con)
	if err != nil {
		return err
	}
	s.con = con
	return s.Resync(ctx)
}

var (
	_ dialect.Session      = (*Session)(nil)
	_ dialect.Checksummer  = withChecksum{}
	_ dialect.ImageTabler  = (*Session)(nil)
	_ dialect.ImageWriter  = (*Session)(nil)
	_ dialect.RawBurner    = (*Session)(nil)
	_ dialect.BaudSwitcher = withBaud{}
	_ dialect.BaudSwitcher = withChecksumAndBaud{}
	_ dialect.Checksummer  = withChecksumAndBaud{}
)

// collector gathers the lines of one or more dump commands into dst: they
// must follow each other without a gap, and those outside dst are dropped
// (a Winbond D prints 256 bytes whatever is wanted).
type collector struct {
	want     uint64 // dst's address
	dst      []byte
	progress func(int)
	next     uint64 // where the next line must start; 0 before the first
	started  bool
}

// covered is the address up to which dst is filled.
func (c *collector) covered() uint64 {
	if !c.started {
		return c.want
	}
	return max(c.want, min(c.next, c.want+uint64(len(c.dst))))
}

func (c *collector) add(addr uint64, data []byte) error {
	switch {
	case c.started && addr != c.next:
		return &hexdump.LineError{Addr: c.next, Reason: fmt.Sprintf("line starts at %#x", addr)}
	case !c.started && addr > c.want:
		return &hexdump.LineError{Addr: c.want, Reason: fmt.Sprintf("the first line starts at %#x", addr)}
	}
	c.started, c.next = true, addr+uint64(len(data))
	end := c.want + uint64(len(c.dst))
	lo, hi := max(addr, c.want), min(c.next, end)
	if lo < hi {
		copy(c.dst[lo-c.want:hi-c.want], data[lo-addr:])
		if c.progress != nil {
			c.progress(int(hi - c.want))
		}
	}
	return nil
}
