package uboot

import (
	"bytes"
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

// ErrNotUBoot: the console answers, but not as U-Boot does.
var ErrNotUBoot = errors.New("the bootloader does not answer like U-Boot")

// Session reads a U-Boot board's memory.
type Session struct {
	con      *console.Console
	name     string // the registry's name: U-Boot's or a vendor fork's
	log      *slog.Logger
	version  string
	bits64   bool             // md.q exists
	maxWidth int              // the widest md the user allows
	order    binary.ByteOrder // nil until a probe could tell
	probed   bool             // the first read has probed the byte order

	// the range this session reads, which the scratch buffer must avoid
	readAddr, readSize uint64
	// the RAM window flash is copied into (OpenWindow), or 0
	windowRAM, windowSize uint64
	// RAM filled with scratchFill for cmp.b; scratch 0 until found
	scratch     uint64
	scratchLen  uint64
	scratchFill int
	noScratch   error // why there is none, once known

	link               *dialect.Link     // how to reconnect
	baseBaud, fastBaud int               // after a --fast-baud switch: the rates to recover at
	noCRC              bool              // the build has no crc32 command
	detected           string            // how the device was recognised as U-Boot (the record keeps it)
	board              string            // what the board says of itself: ethaddr, serial#
	banks              []dialect.NORBank // flinfo's, once asked: the flash's own time limits
	bdinfo             *memoryMap        // bdinfo's, once asked on this connection
	resets             int               // resets met outside the dump engine (the reader's setup)
	noLoader           map[string]bool   // upload commands this build turned out not to have
	noReader           error             // why the binary reader cannot take uploads, once it could not
	placing            bool              // the reader is being put on the board: its own upload is not by it
	byReader           bool              // a plan said uploads go by the reader, however small
	noUpload           bool              // no program goes on the board (dialect.Options)
	fast               *BinaryReader     // the binary reader, once a rate switch set it up
	moved              *movedUART        // the UART, while the reader holds it at a rate U-Boot does not know
}

// boardIdentity is what tells one board from another of the same build:
// its MAC address and serial number, where the environment has them.
func boardIdentity(ctx context.Context, con *console.Console) (string, error) {
	names := []string{"ethaddr", "serial#"}
	vars, err := printenv(ctx, con, names...)
	if err != nil {
		return "", err
	}
	var set []string
	for _, name := range names {
		if v, ok := vars[name]; ok {
			set = append(set, name+"="+v)
		}
	}
	return strings.Join(set, " "), nil
}

var suffix = map[int]string{1: "md.b", 2: "md.w", 4: "md.l", 8: "md.q"}

// compilerOrder is the byte order the compiler version names
// (2023.01's version prints it: mipsel-linux-gnu-gcc, powerpc-linux-gnu-gcc),
// or nil where it names none or one that builds either.
func compilerOrder(lines []string) binary.ByteOrder {
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 || !strings.Contains(f[0], "-gcc") && !strings.Contains(f[0], "clang") {
			continue
		}
		switch triple := f[0]; {
		case strings.HasPrefix(triple, "mipsel-"), strings.HasPrefix(triple, "mips64el-"), strings.HasPrefix(triple, "aarch64-"),
			strings.HasPrefix(triple, "arm-"), strings.HasPrefix(triple, "riscv64-"), strings.HasPrefix(triple, "x86_64-"), strings.HasPrefix(triple, "i686-"):
			return binary.LittleEndian
		case strings.HasPrefix(triple, "mips-"), strings.HasPrefix(triple, "mips64-"), strings.HasPrefix(triple, "powerpc-"), strings.HasPrefix(triple, "powerpc64-"),
			strings.HasPrefix(triple, "aarch64_be-"), strings.HasPrefix(triple, "armeb-"):
			return binary.BigEndian
		}
	}
	return nil
}

// Open learns the board behind a synced console that link dialed (a nil
// link: it cannot reconnect): its version, and whether md.q works. A
// 32-bit build reads no memory for that (md.q prints nothing), so the
// caller can check a range against AddrBits before any read; the byte
// order is learned by the first read. What the session can do is said by
// the interfaces it has: a build with crc32 is a dialect.Checksummer.
func Open(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (dialect.Session, error) {
	return open(ctx, con, link, opt, Name)
}

func open(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options, name string) (dialect.Session, error) {
	s, err := newSession(ctx, con, link, opt)
	if err != nil {
		return nil, err
	}
	s.name = name
	return s.capable(), nil
}

func newSession(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (*Session, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if link == nil {
		link = &dialect.Link{}
	}
	s := &Session{con: con, name: Name, link: link, log: opt.Logger, maxWidth: opt.MaxWidth, noUpload: opt.NoUpload, readAddr: opt.Addr, readSize: opt.Size,
		scratchFill: -1, detected: opt.Detected}
	lines, err := con.Output(ctx, "version")
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "U-Boot") {
			s.version = l
			break
		}
	}
	if s.version == "" {
		return nil, fmt.Errorf("%w: 'version' printed %q", ErrNotUBoot, lines)
	}
	s.order = compilerOrder(lines)
	if s.board, err = boardIdentity(ctx, con); err != nil {
		return nil, err
	}
	probe, err := s.probeAddr(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.probeWidth(ctx, probe); err != nil {
		return nil, err
	}
	if err := s.probeCRC(ctx, probe); err != nil {
		return nil, err
	}
	return s, nil
}

// probeAddr is where the probes may read: the range the session will
// read, or its window, or else RAM U-Boot loads things at (never
// address 0, which a 64-bit MIPS build cannot read).
func (s *Session) probeAddr(ctx context.Context) (uint64, error) {
	switch {
	case s.readSize > 0:
		return s.readAddr, nil
	case s.windowSize > 0:
		return s.windowRAM, nil
	}
	return s.findScratch(ctx, 16)
}

// UseRange tells the session what it will read: its scratch RAM and
// windows stay clear of it.
func (s *Session) UseRange(addr, size uint64) {
	s.readAddr, s.readSize = addr, size
	if s.scratch != 0 && !s.outsideRange(s.scratch, max(s.scratchLen, 1)) {
		s.scratch, s.scratchLen, s.scratchFill = 0, 0, -1
	}
}

// probeCRC asks for the CRC-32 of no bytes (nothing is read): builds
// without crc32 (MediaTek/Ralink's 1.1.3, among others) say so.
func (s *Session) probeCRC(ctx context.Context, addr uint64) error {
	lines, err := s.con.Output(ctx, fmt.Sprintf("crc32 %#x 0", addr))
	if err != nil {
		return err
	}
	s.noCRC = len(lines) > 0 && strings.HasPrefix(lines[0], "Unknown command")
	return nil
}

// probeWidth asks for md.q: a 32-bit build prints nothing at all (and
// reads nothing, so a bad address cannot hurt).
func (s *Session) probeWidth(ctx context.Context, addr uint64) error {
	addr &^= 7
	lines, err := s.mdOutput(ctx, fmt.Sprintf("md.q %#x 2", addr), 8)
	if err != nil {
		return err
	}
	s.bits64 = len(lines) > 0
	if s.bits64 {
		// What md.q printed must be a dump line, not an error message.
		if _, _, err := (hexdump.Format{Width: 8, Order: binary.LittleEndian}).ParseLine([]byte(lines[0]), nil); err != nil {
			return fmt.Errorf("%w: md.q printed %q", ErrNotUBoot, lines[0])
		}
	}
	return nil
}

// probeOrder compares md.b and md.l of the same 16 bytes (md.w and md.l
// at 16-digit addresses: see wideAddr). Memory whose words read the same
// either way (erased flash) cannot tell; the order stays unknown and the
// next read tries again.
func (s *Session) probeOrder(ctx context.Context, addr uint64) error {
	addr &^= 3
	refW := 1
	if wideAddr(addr, 16) {
		refW = 2
	}
	ref, err := s.mdOutput(ctx, fmt.Sprintf("%s %#x %#x", suffix[refW], addr, 16/refW), refW)
	if err != nil {
		return err
	}
	words, err := s.mdOutput(ctx, fmt.Sprintf("md.l %#x 4", addr), 4)
	if err != nil {
		return err
	}
	if len(ref) != 1 || len(words) != 1 {
		return fmt.Errorf("%w: md at %#x printed %d and %d lines, want 1", ErrNotUBoot, addr, len(ref), len(words))
	}
	// The wrong order fails the ASCII check or disagrees with the
	// narrower reading (md.b's bytes are in memory order either way; md.w
	// and md.l agree only in the right one, unless the bytes are
	// symmetric).
	refLE, errRefLE := decode(hexdump.Format{Width: refW, Order: binary.LittleEndian}, addr, 16, ref)
	refBE, errRefBE := decode(hexdump.Format{Width: refW, Order: binary.BigEndian}, addr, 16, ref)
	if errRefLE != nil && errRefBE != nil {
		return errRefLE
	}
	le, errLE := decode(hexdump.Format{Width: 4, Order: binary.LittleEndian}, addr, 16, words)
	be, errBE := decode(hexdump.Format{Width: 4, Order: binary.BigEndian}, addr, 16, words)
	isLE := errLE == nil && errRefLE == nil && bytes.Equal(le, refLE)
	isBE := errBE == nil && errRefBE == nil && bytes.Equal(be, refBE)
	switch {
	case isLE && isBE:
		s.log.Debug("byte order not yet known: memory reads the same either way", "addr", fmt.Sprintf("%#x", addr))
	case isLE:
		s.order = binary.LittleEndian
	case isBE:
		s.order = binary.BigEndian
	default:
		return fmt.Errorf("%s and md.l disagree at %#x: the line is noisy or the memory changes", suffix[refW], addr)
	}
	return nil
}

// wideAddr: md prints 16-digit addresses somewhere in [addr, addr+n).
// There U-Boot 2023.01's md.b overruns its line buffer (sized for 8
// digits: the ASCII column comes out cut short, and the stack is
// written past its end), so md.b is never used there.
func wideAddr(addr, n uint64) bool { return addr+n-1 > 0xffffffff || addr+n-1 < addr }

// mdOutput runs an md command of unit width w and returns its lines;
// those that are md lines in either byte order are data to the console.
func (s *Session) mdOutput(ctx context.Context, cmd string, w int) ([]string, error) {
	var lines []string
	err := s.con.Exec(ctx, cmd, func(l []byte) (bool, error) {
		if hexdump.Foreign(l) && len(lines) > 0 {
			return false, nil // a driver's message between the lines
		}
		lines = append(lines, string(l))
		return hexdump.IsLine(hexdump.Format{Width: w, Order: binary.LittleEndian}, l) ||
			hexdump.IsLine(hexdump.Format{Width: w, Order: binary.BigEndian}, l), nil
	})
	return lines, err
}

func decode(f hexdump.Format, addr uint64, n int, lines []string) ([]byte, error) {
	d := hexdump.NewDecoder(f, addr, n)
	var out []byte
	for _, l := range lines {
		var err error
		if out, err = d.Line([]byte(l), out); err != nil {
			return nil, err
		}
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("md at %#x stopped after %d of %d bytes", addr, n-d.Remaining(), n)
	}
	return out, nil
}

// Width is the unit md reads with: the widest the board supports, or
// narrower if the user asked.
func (s *Session) Width() int {
	w := 4
	if s.bits64 {
		w = 8
	}
	if s.maxWidth > 0 && s.maxWidth < w {
		w = s.maxWidth
	}
	return w
}

// AddrBits is the board's address width.
func (s *Session) AddrBits() int {
	if s.bits64 {
		return 64
	}
	return 32
}

// Identity describes the session for the dump record.
func (s *Session) Identity() dialect.Identity {
	order := dialect.OrderName(s.order)
	checksum := dialect.CRC32.Name
	if s.noCRC {
		checksum = ""
	}
	return dialect.Identity{
		Dialect: s.name, Version: s.version, Prompt: s.con.Prompt(), ByteOrder: order,
		Command: suffix[s.Width()], AddrBits: s.AddrBits(), Checksum: checksum, Detected: s.detected, Board: s.board,
	}
}

// LineChars is what one full 16-byte md line costs on the wire, CR LF
// included, in the widest format: the measure of the line-rate ceiling.
func (s *Session) LineChars(addr uint64) int {
	return LineChars(s.Width(), addr)
}

// LineChars is the length of a full md line of unit width w at addr.
func LineChars(w int, addr uint64) int {
	digits := 8
	if addr > 0xffffffff {
		digits = 16
	}
	return digits + 1 + (16/w)*(2*w+1) + 2 + 16 + 2
}

// ReadMemory reads len(dst) bytes at addr with md, in the widest width
// that divides both, checking every line as it arrives. progress, if set,
// is told how many bytes are done.
func (s *Session) ReadMemory(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	w := s.Width()
	for w > 1 && (addr%uint64(w) != 0 || len(dst)%w != 0) {
		w /= 2
	}
	if w == 1 && wideAddr(addr, uint64(len(dst))) {
		return s.readByHalfwords(ctx, addr, dst, progress)
	}
	if !s.probed {
		s.probed = true
		if err := s.probeOrder(ctx, addr); err != nil {
			return err
		}
	}
	order := s.order
	if order == nil {
		order = binary.LittleEndian // the words at addr read the same either way
	}
	format := hexdump.Format{Width: w, Order: order}
	dec := hexdump.NewDecoder(format, addr, len(dst))
	out := dst[:0]
	cmd := fmt.Sprintf("%s %#x %#x", suffix[w], addr, len(dst)/w)
	failed := false
	err := s.con.Exec(ctx, cmd, func(line []byte) (bool, error) {
		if failed {
			return hexdump.IsLine(format, line), nil
		}
		if hexdump.Foreign(line) {
			// A driver's or the kernel's message between the lines:
			// not data; a lost data line shows as a gap.
			s.log.Debug("set aside a line that is not md's", "line", string(line))
			return false, nil
		}
		var err error
		out, err = dec.Line(line, out)
		if err != nil {
			failed = true
			return hexdump.IsLine(format, line), err
		}
		if progress != nil {
			progress(len(out))
		}
		return true, nil
	})
	if err != nil {
		var le *hexdump.LineError
		if s.order == nil && w > 1 && errors.As(err, &le) {
			// Perhaps the assumed byte order, not the line, was wrong:
			// md.b at that line settles it.
			if perr := s.probeOrder(ctx, le.Addr); perr == nil && s.order != nil {
				return fmt.Errorf("%w at %#x: %v", ErrReread, le.Addr, err)
			}
		}
		if errors.Is(err, hexdump.ErrBadLine) {
			return dialect.Garbled(err)
		}
		return err
	}
	if dec.Remaining() != 0 {
		return fmt.Errorf("%s stopped at %#x, %d bytes short", cmd, dec.Next(), dec.Remaining())
	}
	if s.order == nil && w > 1 {
		return s.learnOrder(ctx, addr, dst)
	}
	return nil
}

// readByHalfwords reads an odd range at 16-digit addresses with md.w,
// over the whole halfwords around it (md.b must not run there: see
// wideAddr).
func (s *Session) readByHalfwords(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	lo, hi := addr&^1, (addr+uint64(len(dst))+1)&^1
	buf := make([]byte, hi-lo)
	skip := int(addr - lo)
	err := s.ReadMemory(ctx, lo, buf, func(n int) {
		if progress != nil {
			progress(min(max(n-skip, 0), len(dst)))
		}
	})
	if err != nil {
		return err
	}
	copy(dst, buf[skip:])
	return nil
}

// ErrReread: the byte order became known only from this read's data and
// differs from the one assumed, so the range must be read again.
var ErrReread = errors.New("byte order learned from this range; read it again")

// learnOrder probes the first line of data whose words read differently in
// the two byte orders. Until such a line exists the order does not matter.
func (s *Session) learnOrder(ctx context.Context, addr uint64, data []byte) error {
	for off := 0; off+16 <= len(data); off += 16 {
		for i := off; i < off+16; i += 4 {
			if data[i] != data[i+3] || data[i+1] != data[i+2] {
				if err := s.probeOrder(ctx, addr+uint64(off)); err != nil {
					return err
				}
				if s.order == binary.BigEndian {
					return fmt.Errorf("%w at %#x", ErrReread, addr)
				}
				return nil
			}
		}
	}
	return nil
}

// errNoCRC: the build has no crc32 (what needs it says so in its words).
var errNoCRC = errors.New("this U-Boot has no crc32 command")

// crc32 asks the board for the IEEE CRC-32 of n bytes at addr.
func (s *Session) crc32(ctx context.Context, addr, n uint64) (uint32, error) {
	if s.noCRC {
		return 0, errNoCRC
	}
	cmd := fmt.Sprintf("crc32 %#x %#x", addr, n)
	lines, err := s.con.Output(ctx, cmd)
	if err != nil {
		return 0, err
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "Unknown command") {
			return 0, fmt.Errorf("%s: %w", cmd, errNoCRC)
		}
		from, to, sum, ok := parseCRC32(l)
		if !ok {
			continue
		}
		if from != addr || to != addr+n-1 {
			return 0, fmt.Errorf("%s answered for %#x..%#x", cmd, from, to)
		}
		return sum, nil
	}
	return 0, fmt.Errorf("%s printed no checksum: %q", cmd, lines)
}

// parseCRC32 reads "crc32 for 04000000 ... 04000fff ==> 2e0cea5c" (old
// releases say "CRC32 for").
func parseCRC32(l string) (from, to uint64, sum uint32, ok bool) {
	var s32 uint32
	n, err := fmt.Sscanf(strings.ToLower(l), "crc32 for %x ... %x ==> %x", &from, &to, &s32)
	if err != nil || n != 3 {
		return 0, 0, 0, false
	}
	return from, to, s32, true
}

// FreeRAM is RAM for n bytes clear of what the session reads and of its
// window: where an upload goes.
func (s *Session) FreeRAM(ctx context.Context, n uint64) (uint64, error) {
	return s.findScratch(ctx, n)
}
