package uboot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/words"
)

// ErrNoBinaryReader: the binary reader cannot run on this board; md
// still can.
var ErrNoBinaryReader = dialect.ErrNoFastReader

// BinaryReader reads memory through bootdump's binary reader, which
// U-Boot runs as a standalone program (bootm of a uImage). It is a
// dialect.Reader: the dump engine uses it as it uses md, and the
// session's crc32 still checks each chunk.
type BinaryReader struct {
	*Session
	prog   *binreader.Program
	base   uint64 // the RAM it keeps (readerRAM bytes): uploads stay clear of it
	image  uint64 // where the uImage is, bootm's argument
	params uint64 // where the parameters live
	jt     uint64
	// run is the command that runs the reader: bootm of the uImage, or
	// go to its code (which follows the 64-byte header) where the build
	// has no bootm.
	run string
	md  bool // the reader was lost and could not be put back: md reads
	// placed says how the reader was put where the CPU runs it right
	// (the log tells it with -v); uploadedBy names the command that
	// uploaded it.
	placed, uploadedBy string
	resent             int // times the stream was sent back for a block
	// compress: the reader deflates blocks where that is shorter
	// (binreader.ModeStreamCompressed).
	compress bool
}

var (
	_ dialect.Reader   = (*BinaryReader)(nil)
	_ dialect.Streamer = (*BinaryReader)(nil)
)

// Layout of the reader's RAM, from its base: the uImage, the copy bootm
// runs (a standalone program's load address), the parameters.
const (
	readerImage  = 0
	readerLoad   = 64 << 10
	readerParams = 128 << 10
	readerRAM    = 192 << 10
)

// StartFastReader puts the binary reader on the board and checks every
// step: the CPU (see family), an upload its crc32 confirms, written where
// the CPU will fetch what was written (MIPS: through the uncached KSEG1;
// elsewhere bootm, or a loader, flushes the caches), U-Boot's gd from a
// first run, the jump table found in gd and confirmed by a run that
// prints a known text. It reads no memory but RAM and U-Boot's own. Any
// step that fails says why, wrapping ErrNoBinaryReader; a reset on the
// way ends the setup (it is counted, see Resets).
func (s *Session) StartFastReader(ctx context.Context, opt dialect.FastOptions) (dialect.Reader, error) {
	r := s.fast // set up for a rate switch
	if r == nil {
		var err error
		if r, err = s.startBinaryReader(ctx); err != nil {
			return nil, err
		}
	}
	r.compress = !opt.Uncompressed
	return r, nil
}

func (s *Session) startBinaryReader(ctx context.Context) (*BinaryReader, error) {
	var fam cpuFamily
	err := s.tries(ctx, func() (err error) {
		fam, err = s.family(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	base, err := s.findScratch(ctx, 2<<20+readerRAM)
	if err != nil {
		return nil, fmt.Errorf("%w: no RAM for it: %v", ErrNoBinaryReader, err)
	}
	base += 2 << 20 // above the scratch buffer
	if s.order == nil {
		// A word past the reader's parameters; on MIPS written uncached,
		// as the reader will be: a dirty cached line over the same RAM
		// would be written back over it by the loader's flush.
		probe := base + readerRAM - 64
		if fam.name == "mips" || fam.name == "mips64" {
			if probe, err = uncached(probe); err != nil {
				return nil, fmt.Errorf("%w: RAM at %#x: %v", ErrNoBinaryReader, base, err)
			}
		}
		if err := s.tries(ctx, func() error { return s.orderFromRAM(ctx, probe) }); err != nil {
			return nil, err
		}
	}
	arch := archFor(fam, s.order)
	prog, err := binreader.Load(arch)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoBinaryReader, err)
	}
	s.log.Debug(fmt.Sprintf("the CPU is %s: %s", arch.Name, fam.why))
	r := &BinaryReader{Session: s, prog: prog, base: base}
	s.placing = true
	if isMIPS(arch) {
		err = r.placeUncached(ctx, base)
	} else {
		err = r.placeFlushed(ctx, base)
	}
	s.placing = false
	if err != nil {
		return nil, err
	}
	s.log.Debug("the binary reader is in place: " + r.placed)
	var p binreader.Params
	err = s.tries(ctx, func() (err error) {
		p, err = r.once(ctx, binreader.Params{Mode: binreader.ModeGD})
		if errors.Is(err, errNoBootm) {
			if err = r.runByGo(ctx); err == nil {
				p, err = r.once(ctx, binreader.Params{Mode: binreader.ModeGD})
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.GD == 0 {
		return nil, fmt.Errorf("%w: the first run did not report U-Boot's global data (%s)", ErrNoBinaryReader, arch.GD)
	}
	err = s.tries(ctx, func() (err error) {
		r.jt, err = r.findJumpTable(ctx, p.GD)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info(fmt.Sprintf("the binary reader runs (%s, %s; gd %#x, jump table %#x)", arch.Name, r.run, p.GD, r.jt))
	return r, nil
}

// placeUncached writes the reader through MIPS's uncached KSEG1 and runs
// it there with go: nothing of it is cached, so neither a write-back data
// cache nor a stale instruction cache stands between what was written
// and what runs. (1.1.x's bootm flushes nothing before it calls a
// standalone program; a 64-bit build's bootm takes the 32-bit entry point
// of a legacy image as an address of no segment.)
func (r *BinaryReader) placeUncached(ctx context.Context, base uint64) error {
	code, err := uncached(base)
	if err != nil {
		return fmt.Errorf("%w: RAM at %#x: %v", ErrNoBinaryReader, base, err)
	}
	r.params, _ = uncached(base + readerParams)
	r.image, r.run = code, fmt.Sprintf("go %#x", code)
	how, err := r.put(ctx, code, r.prog.With(binreader.Params{Ext: r.params}))
	if err != nil {
		return err
	}
	r.placed = fmt.Sprintf("written by %s and run by go through uncached KSEG1 at %#x: no cache can hold a stale copy", how, code)
	return nil
}

// placeFlushed uploads the reader as a standalone uImage for bootm, which
// copies it to its load address and flushes the caches before it calls
// it. U-Boot 2023.01 runs a standalone program only when autostart is
// yes (set here, not saved).
func (r *BinaryReader) placeFlushed(ctx context.Context, base uint64) error {
	r.image, r.params = base+readerImage, base+readerParams
	if _, err := r.con.Output(ctx, "setenv autostart yes"); err != nil {
		return err
	}
	image := standaloneImage(r.prog.With(binreader.Params{Ext: r.params}), base+readerLoad, r.prog.Arch)
	how, err := r.put(ctx, r.image, image)
	if err != nil {
		return err
	}
	r.uploadedBy = how
	r.run = fmt.Sprintf("bootm %#x", r.image)
	r.placed = fmt.Sprintf("uploaded by %s; bootm copies it to %#x and flushes the caches before it runs it", how, base+readerLoad)
	return nil
}

// runByGo is how a build without bootm runs the reader: go to its code
// (after the uImage's header). go flushes nothing, so what was written
// must have reached RAM first: the loaders flush what they load; code
// typed in with mw.l needs the cache commands. And go must not hang the
// board (goCommand).
func (r *BinaryReader) runByGo(ctx context.Context) error {
	entry := r.image + 64
	cmd, err := r.goCommand(ctx, entry)
	if err != nil {
		return err
	}
	switch {
	case r.uploadedBy != "mw.l" && r.uploadedBy != reused:
		r.placed = fmt.Sprintf("uploaded by %s, which flushes the caches over what it loads; run by go at %#x", r.uploadedBy, entry)
	default:
		if err := r.flushCaches(ctx); err != nil {
			return err
		}
		r.placed = fmt.Sprintf("written by mw.l, made visible by dcache flush and icache flush, run by go at %#x", entry)
	}
	r.run = cmd
	return nil
}

// flushCaches writes the data cache back and drops the instruction cache
// (cmd/cache.c), where the build has the commands.
func (r *BinaryReader) flushCaches(ctx context.Context) error {
	for _, cmd := range []string{"dcache flush", "icache flush"} {
		lines, err := r.con.Output(ctx, cmd)
		if err != nil {
			return err
		}
		if unknownCommand(lines) {
			return finalError{fmt.Errorf("%w: bootm is not in this build, and go would run code that mw.l left in the data cache (no loader to flush it, no %s)", ErrNoBinaryReader, strings.Fields(cmd)[0])}
		}
	}
	return nil
}

// reused names the reader found in RAM: an earlier run may have written
// it with mw.l and ended before the caches were flushed.
const reused = "an earlier run"

// put uploads the reader's image to addr, unless RAM there holds it
// already: an earlier run's, on a board not reset since (a resumed or a
// second dump finds the scratch RAM where the first did), its crc32 the
// image's.
func (r *BinaryReader) put(ctx context.Context, addr uint64, data []byte) (string, error) {
	if sum, err := r.crc32(ctx, addr, uint64(len(data))); err == nil && sum == crc32.ChecksumIEEE(data) {
		r.log.Info(fmt.Sprintf("the binary reader is still in RAM at %#x from an earlier run (its crc32 is the reader's): not putting it on the board again", addr))
		return reused, nil
	}
	if way, err := r.UploadWay(ctx, uint64(len(data))); err == nil {
		// With mw.l this takes tens of seconds, with nothing else to show.
		r.log.Info(fmt.Sprintf("putting the binary reader on the board: %s of code for %s, by %s", words.Size(uint64(len(r.prog.Code))), r.prog.Arch.Name, way.Command))
	}
	return r.uploadChecked(ctx, addr, data)
}

// uploadChecked uploads data to addr and proves it arrived whole: by
// crc32, or, in a build without it, by reading it back with md.
func (s *Session) uploadChecked(ctx context.Context, addr uint64, data []byte) (string, error) {
	var how string
	err := s.tries(ctx, func() error {
		var err error
		if how, err = s.upload(ctx, addr, data, nil); err != nil {
			return fmt.Errorf("%w: upload: %v", ErrNoBinaryReader, err)
		}
		if !s.noCRC {
			sum, err := s.crc32(ctx, addr, uint64(len(data)))
			if err == nil && sum == crc32.ChecksumIEEE(data) {
				return nil
			}
			if !errors.Is(err, errNoCRC) {
				return fmt.Errorf("%w: the upload did not arrive whole (crc32 %08x, %v)", ErrNoBinaryReader, sum, err)
			}
		}
		back := make([]byte, len(data))
		if err := s.ReadMemory(ctx, addr, back, nil); err != nil {
			return err
		}
		if !bytes.Equal(back, data) {
			return fmt.Errorf("%w: the upload did not arrive whole (md reads it back otherwise)", ErrNoBinaryReader)
		}
		return nil
	})
	return how, err
}

// tries runs a step of the setup up to three times: a noisy line may
// garble what it reads (an md line, bootm's words), and every step can
// run again. The console is brought back to its prompt in between.
func (s *Session) tries(ctx context.Context, step func() error) error {
	var err error
	for range 3 {
		var final finalError
		if err = step(); err == nil || ctx.Err() != nil || errors.As(err, &final) {
			return err
		}
		if errors.Is(err, console.ErrReset) {
			// RAM and the environment are gone: the setup ends here, and
			// the board is brought back to its prompt for md.
			s.resets++
			if rerr := s.Resync(ctx); rerr != nil {
				return rerr
			}
			return fmt.Errorf("%w: the board reset during its setup (%v)", ErrNoBinaryReader, err)
		}
		s.log.Debug("a step of the binary reader's setup failed; once more", "err", err)
		if rerr := s.Resync(ctx); rerr != nil {
			return rerr
		}
	}
	return err
}

// finalError is a setup step's failure that another try cannot mend (the
// build lacks something): it is not tried again.
type finalError struct{ error }

func (e finalError) Unwrap() error { return e.error }

func archNames() string {
	var names []string
	for _, a := range binreader.Arches {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// errNoBootm: the build has no bootm; go may run the reader instead.
var errNoBootm = errors.New("no bootm in this build")

// goCommand is how go runs the code at addr, unless go would hang the
// board: U-Boot's go flushes the console before the call, and on a PL011
// UART (QEMU's virt board) that flush never ends.
func (s *Session) goCommand(ctx context.Context, addr uint64) (string, error) {
	names := []string{"stdin", "stdout", "stderr"}
	devices, err := printenv(ctx, s.con, names...)
	if err != nil {
		return "", err
	}
	for _, name := range names { // in order: the message names the first
		if dev := devices[name]; strings.Contains(strings.ToLower(dev), "pl011") {
			return "", finalError{fmt.Errorf("%w: bootm is not in this build, and go would hang a PL011 console (%s=%s)", ErrNoBinaryReader, name, dev)}
		}
	}
	return fmt.Sprintf("go %#x", addr), nil
}

// once writes the parameters and runs the reader once (not a stream).
func (r *BinaryReader) once(ctx context.Context, p binreader.Params) (binreader.Params, error) {
	if err := r.writeParams(ctx, p); err != nil {
		return p, err
	}
	cmd := r.run
	lines, err := r.con.Output(ctx, cmd)
	if err != nil {
		return p, err
	}
	if strings.HasPrefix(cmd, "bootm") && unknownCommand(lines) {
		return p, errNoBootm
	}
	if !ran(lines) {
		return p, fmt.Errorf("%w: %s printed %q", ErrNoBinaryReader, cmd, lines)
	}
	back := make([]byte, len(r.prog.EncodeParams(p)))
	if err := r.Session.ReadMemory(ctx, r.params, back, nil); err != nil {
		return p, err
	}
	got, err := r.prog.DecodeParams(back)
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrNoBinaryReader, err)
	}
	if got.Mode != binreader.ModeDone {
		return got, fmt.Errorf("%w: %s did not run it (its parameters say mode %d)", ErrNoBinaryReader, cmd, got.Mode)
	}
	return got, nil
}

// programOutput is what the program printed: the lines after bootm's or
// go's announcement, without go's report of its return value.
func programOutput(lines []string) []string {
	for i, l := range lines {
		if ran([]string{l}) {
			var out []string
			for _, l := range lines[i+1:] {
				if !strings.HasPrefix(l, "## Application terminated") {
					out = append(out, l)
				}
			}
			return out
		}
	}
	return nil
}

// ran: bootm or go started the program.
func ran(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, "Standalone Program") && !strings.Contains(l, "Image Type") || strings.HasPrefix(l, "## Starting application at") {
			return true
		}
	}
	return false
}

// writeParams writes the parameter block with mw.l, each word in the
// CPU's order: one line on a 32-bit board, two on a 64-bit one.
func (r *BinaryReader) writeParams(ctx context.Context, p binreader.Params) error {
	b := r.prog.EncodeParams(p)
	order := r.prog.Arch.Order
	words := make([]uint32, len(b)/4)
	for i := range words {
		words[i] = order.Uint32(b[4*i:])
	}
	return r.Session.writeWords(ctx, r.params, words, nil)
}

// findJumpTable looks in U-Boot's global data for the pointer to its
// exported function table: a word pointing into U-Boot's own RAM whose
// first four entries all point into U-Boot's code, each candidate then
// confirmed by a run that calls get_version and prints
// binreader.ConfirmText. It reads only U-Boot's own RAM (memoryMap's
// ubootArea): a word of gd that points elsewhere (the RAM an SBI firmware
// keeps, which S-mode may not read) is never followed. Nothing is called
// that was not found so.
func (r *BinaryReader) findJumpTable(ctx context.Context, gd uint64) (uint64, error) {
	m, err := r.memoryMap(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi, ok := m.ubootArea(gd)
	if !ok || gd < lo || gd >= hi {
		return 0, fmt.Errorf("%w: U-Boot's global data at %#x is not in the RAM bdinfo says U-Boot keeps", ErrNoBinaryReader, gd)
	}
	// Where U-Boot's code is: from relocaddr (2023.01); 1.1.x says
	// nothing, but its code is above its heap, the jump table's home.
	code := func(jt uint64) (uint64, uint64) {
		if m.reloc != 0 {
			return m.reloc, min(m.reloc+16<<20, hi)
		}
		return jt + 1, hi
	}
	w := r.prog.Arch.Word
	word := func(b []byte) uint64 {
		if w == 4 {
			return uint64(r.prog.Arch.Order.Uint32(b))
		}
		return r.prog.Arch.Order.Uint64(b)
	}
	gdWords := make([]byte, min(128*uint64(w), hi-gd)&^uint64(w-1))
	if err := r.Session.ReadMemory(ctx, gd, gdWords, nil); err != nil {
		return 0, err
	}
	tried, why := 0, ""
	for off := 0; off < len(gdWords); off += w {
		jt := word(gdWords[off:])
		if jt%uint64(w) != 0 || jt < lo || jt+4*uint64(w) > hi || jt+4*uint64(w) < jt {
			continue
		}
		entries := make([]byte, 4*w)
		if err := r.Session.ReadMemory(ctx, jt, entries, nil); err != nil {
			if errors.Is(err, console.ErrReset) {
				return 0, err
			}
			continue
		}
		from, to := code(jt)
		inCode := func(i int) bool { v := word(entries[i*w:]); return v >= from && v < to }
		if !inCode(0) || !inCode(1) || !inCode(2) || !inCode(3) {
			continue
		}
		if tried++; tried > 4 {
			break
		}
		p, err := r.confirm(ctx, jt)
		if err == nil {
			r.log.Debug("jump table confirmed", "gd offset", off, "version", p.Result)
			return jt, nil
		}
		if errors.Is(err, console.ErrReset) {
			return 0, err
		}
		r.log.Debug("not the jump table", "at", fmt.Sprintf("%#x", jt), "err", err)
		why = fmt.Sprintf(" (at %#x %v)", jt, err)
	}
	return 0, fmt.Errorf("%w: no jump table in U-Boot's global data at %#x answered%s", ErrNoBinaryReader, gd, why)
}

// confirm runs the reader with jt as the jump table: get_version must
// return a plausible version, and putc print the known text.
func (r *BinaryReader) confirm(ctx context.Context, jt uint64) (binreader.Params, error) {
	if err := r.writeParams(ctx, binreader.Params{Mode: binreader.ModeConfirm, JumpTable: jt}); err != nil {
		return binreader.Params{}, err
	}
	lines, err := r.con.Output(ctx, r.run)
	if err != nil {
		return binreader.Params{}, err
	}
	said := programOutput(lines)
	printed := len(said) == 1 && strings.TrimSpace(said[0]) == binreader.ConfirmText
	back := make([]byte, len(r.prog.EncodeParams(binreader.Params{})))
	if err := r.Session.ReadMemory(ctx, r.params, back, nil); err != nil {
		return binreader.Params{}, err
	}
	p, err := r.prog.DecodeParams(back)
	switch {
	case err != nil:
		return p, err
	case !printed && len(said) == 0:
		return p, fmt.Errorf("the confirmation run printed nothing, not %q", binreader.ConfirmText)
	case !printed:
		return p, fmt.Errorf("the confirmation run printed %q, not %q", strings.Join(said, "\n"), binreader.ConfirmText)
	case p.Result == 0 || p.Result > 64:
		return p, fmt.Errorf("get_version returned %d", p.Result)
	}
	return p, nil
}

// Identity is the session's, with the reader as the read command.
func (r *BinaryReader) Identity() dialect.Identity {
	id := r.Session.Identity()
	if !r.md {
		id.Command = "binary reader (" + r.prog.Arch.Name + ")"
	}
	return id
}

// ReadMemory streams len(dst) bytes at addr through the reader. A board
// that reset lost it: it is put back once, and if that fails too, md
// reads the rest, as the log says.
func (r *BinaryReader) ReadMemory(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	if r.md {
		return r.Session.ReadMemory(ctx, addr, dst, progress)
	}
	err := r.stream(ctx, addr, dst, progress)
	if !errors.Is(err, ErrNoBinaryReader) {
		return err
	}
	r.log.Warn("the binary reader is gone (a reset?); putting it back", "err", err)
	if r.compress {
		// Should compressing be what ended it (its 21 KiB of stack
		// where U-Boot keeps less), the reader put back does not.
		r.compress = false
		r.log.Warn("the reader put back sends blocks uncompressed")
	}
	again, serr := r.Session.startBinaryReader(ctx)
	if serr != nil {
		r.log.Warn("reading the rest with md: the binary reader could not be put back", "err", serr)
		r.md = true
		return r.Session.ReadMemory(ctx, addr, dst, progress)
	}
	r.image, r.params, r.jt, r.run, r.placed, r.uploadedBy = again.image, again.params, again.jt, again.run, again.placed, again.uploadedBy
	return r.stream(ctx, addr, dst, progress)
}

// Stream runs the reader once over n bytes at addr and hands each block
// to take as it arrives (dialect.Streamer): one setup for a whole range.
// Once md reads instead, it reads nothing (dialect.ErrUnsupported).
func (r *BinaryReader) Stream(ctx context.Context, addr, n uint64, take func(data []byte) error) error {
	if r.md {
		return fmt.Errorf("%w: md reads now, not the binary reader", dialect.ErrUnsupported)
	}
	return r.streamTo(ctx, addr, n, take)
}

// stream runs the reader once over [addr, addr+len(dst)).
func (r *BinaryReader) stream(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	off := 0
	return r.streamTo(ctx, addr, uint64(len(dst)), func(data []byte) error {
		off += copy(dst[off:], data)
		if progress != nil {
			progress(off)
		}
		return nil
	})
}

// streamTo runs the reader over n bytes at addr, each block to take.
func (r *BinaryReader) streamTo(ctx context.Context, addr, n uint64, take func([]byte) error) error {
	p := binreader.Params{Mode: binreader.ModeStream, JumpTable: r.jt, Addr: addr, Size: n, Block: 4096}
	if r.compress {
		p.Mode = binreader.ModeStreamCompressed
	}
	r.log.Debug("stream starts", "addr", fmt.Sprintf("%#x", addr), "bytes", n) // its parameters, bootm and calibration included
	cmd, err := r.start(ctx, p)
	if err != nil {
		return err
	}
	st, err := binreader.Stream(ctx, &console.TransferLine{Ctx: ctx, Con: r.con, Timeout: binreader.ErrTimeout}, int(n), streamIdle, take)
	r.resent += st.Retransmitted
	r.log.Debug("stream", "addr", fmt.Sprintf("%#x", addr), "blocks", st.Blocks, "erased", st.Erased, "repeated", st.Repeated,
		"compressed", st.Compressed, "sent", st.Sent, "sent back", st.Retransmitted, "bytes", n)
	if err != nil {
		// The reader stops at a Q (or a Ctrl-C); the prompt comes back.
		r.con.Write(ctx, []byte{'Q'})
		r.con.Finish(ctx, cmd, nil)
		return fmt.Errorf("binary reader at %#x: %w", addr, err)
	}
	return r.con.Finish(ctx, cmd, nil)
}

// start writes the parameters of a run that talks on the line (a
// stream, an upload) and runs the reader, up to where U-Boot hands it
// the line; it returns the command that ran it.
func (r *BinaryReader) start(ctx context.Context, p binreader.Params) (string, error) {
	if err := r.writeParams(ctx, p); err != nil {
		return "", err
	}
	cmd := r.run
	var said []string
	started, err := r.con.Start(ctx, cmd, func(line []byte) bool {
		said = append(said, string(line))
		return ran([]string{string(line)})
	})
	if err != nil {
		return cmd, err
	}
	if !started {
		return cmd, fmt.Errorf("%w: %s printed %q", ErrNoBinaryReader, cmd, said)
	}
	return cmd, nil
}

// streamIdle is how long the stream may be silent before a block is
// asked for again: a 4 KiB block takes 3.6 s at 115200 baud, but arrives
// byte by byte; only a lost byte or answer leaves the line silent.
const streamIdle = 2 * time.Second

// standaloneImage wraps code in a legacy uImage of a standalone program
// (what mkimage -A ARCH -O u-boot -T standalone -a LOAD -e LOAD makes):
// bootm copies it to load, checks its CRC and calls it.
func standaloneImage(code []byte, load uint64, arch binreader.Arch) []byte {
	archCode := map[string]byte{"arm": 2, "mips": 5, "mipsel": 5, "arm64": 22, "riscv64": 26}[arch.Name]
	h := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(h[0:], 0x27051956) // IH_MAGIC
	be.PutUint32(h[12:], uint32(len(code)))
	be.PutUint32(h[16:], uint32(load)) // load address
	be.PutUint32(h[20:], uint32(load)) // entry point
	be.PutUint32(h[24:], crc32.ChecksumIEEE(code))
	h[28], h[29], h[30], h[31] = 17, archCode, 1, 0 // IH_OS_U_BOOT, arch, IH_TYPE_STANDALONE, no compression
	copy(h[32:], "bootdump reader")
	be.PutUint32(h[4:], crc32.ChecksumIEEE(h))
	return append(h, bytes.Clone(code)...)
}

// Resent counts the blocks the stream sent again (damaged on the line).
func (r *BinaryReader) Resent() int { return r.resent }

// Resets counts the board's resets the session met outside the reads the
// dump engine counts: during the binary reader's setup.
func (s *Session) Resets() int { return s.resets }
