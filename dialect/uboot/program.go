package uboot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/words"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/xfer"
)

// Writing flash with U-Boot's commands (cmd/flash.c, cmd/sf.c, cmd/nand.c)
// and uploading to RAM (cmd/load.c: loady, loadb; cmd/mem.c: mw.l).

// Uploaders are the upload commands tried in order: loady (YMODEM), loadb
// (Kermit), loadx (XMODEM), loads (S-records: text, but one way), then
// mw.l (words typed as commands, the slow last resort). Where the board
// has none of the loaders, an upload of readerUploadMin or more goes by
// the binary reader (ModeReceive), put on the board once with mw.l.
var Uploaders = []string{"loady", "loadb", "loadx", "loads", "mw.l"}

// byReader names the binary reader's upload.
const byReader = "binary reader"

// readerUploadMin: below it, mw.l carries an upload in less time than it
// takes to put the reader (6 to 7 KiB) on the board with it.
const readerUploadMin = 16 << 10

// uploadShare is the part of the line's rate each way's data gets:
// YMODEM's 1 KiB blocks with their answers, Kermit's and XMODEM's short
// packets, S-records' two hex digits a byte, the reader's 4 KiB frames;
// mw.l, 24 characters typed (and echoed) for 4 bytes and a wait for the
// prompt every few words, far less (and on QEMU's socket, whose Nagle
// delay costs ~44 ms a command, less still).
var uploadShare = map[string]float64{"loady": 0.85, "loadb": 0.5, "loadx": 0.5, "loads": 0.4, byReader: 0.9, "mw.l": 0.05}

// UploadWay asks the board (help CMD) for each loader in turn, and is
// the first it has; without any, the binary reader (put on the board
// with mw.l first, unless it is there) for n of readerUploadMin or more,
// else mw.l.
func (s *Session) UploadWay(ctx context.Context, n uint64) (dialect.UploadWay, error) {
	for _, loader := range Uploaders[:len(Uploaders)-1] {
		has, err := s.hasCommand(ctx, loader)
		if err != nil {
			return dialect.UploadWay{}, err
		}
		if has {
			return dialect.UploadWay{Command: loader, Share: uploadShare[loader]}, nil
		}
	}
	if n >= readerUploadMin && !s.noUpload && s.noReader == nil {
		s.byReader = true // every upload from now on, as the plan says
		way := dialect.UploadWay{Command: byReader, Share: uploadShare[byReader]}
		if s.fast == nil {
			way.Setup, way.SetupShare = readerSize, uploadShare["mw.l"]
		}
		return way, nil
	}
	return dialect.UploadWay{Command: "mw.l", Share: uploadShare["mw.l"]}, nil
}

// readerSize is about what putting the reader on the board carries.
const readerSize = 7 << 10

// hasCommand: help CMD knows the command (once asked, or once an upload
// found the board without it, it is not asked again).
func (s *Session) hasCommand(ctx context.Context, cmd string) (bool, error) {
	if s.noLoader[cmd] {
		return false, nil
	}
	lines, err := s.con.Output(ctx, "help "+cmd)
	if err != nil {
		return false, err
	}
	if unknownCommand(lines) || len(lines) == 0 {
		s.lacks(cmd, strings.Join(lines, " "))
		return false, nil
	}
	return true, nil
}

// lacks notes a loader the board turned out not to have.
func (s *Session) lacks(loader, said string) {
	if s.noLoader == nil {
		s.noLoader = map[string]bool{}
	}
	s.noLoader[loader] = true
	s.log.Debug("the board has no "+loader+"; trying the next way to upload", "said", said)
}

// UploadCommands is what an upload of n bytes to ram sends that way, then
// crc32 of what arrived.
func (s *Session) UploadCommands(way dialect.UploadWay, ram, n uint64) []string {
	check := fmt.Sprintf("crc32 %#x %#x", ram, n)
	switch way.Command {
	case byReader:
		run := "go (the reader's address)"
		if s.fast != nil {
			run = s.fast.run
		}
		cmds := []string{fmt.Sprintf("%s: the binary reader takes %d bytes to %#x in %s", run, n, ram, words.Plural(int((n+4095)/4096), "block")), check}
		if way.Setup > 0 {
			cmds = append([]string{"mw.l ...: the binary reader put on the board (about 7 KiB)"}, cmds...)
		}
		return cmds
	case "mw.l":
		return []string{fmt.Sprintf("mw.l %x ...: %d words, typed", ram, (n+3)/4), check}
	}
	return []string{fmt.Sprintf("%s %#x", way.Command, ram), check}
}

// ProgramSteps erase a block and program its first n bytes from RAM.
func (s *Session) ProgramSteps(kind dialect.FlashKind, addr, size, from, n, page uint64) []dialect.Step {
	step := func(k dialect.StepKind, format string, args ...any) dialect.Step {
		return dialect.Step{Kind: k, Command: fmt.Sprintf(format, args...)}
	}
	switch kind {
	case dialect.SPI:
		steps := []dialect.Step{step(dialect.Erase, "sf erase %#x %#x", addr, size)}
		if n > 0 {
			steps = append(steps, step(dialect.Program, "sf write %#x %#x %#x", from, addr, n))
		}
		return steps
	case dialect.NAND:
		steps := []dialect.Step{step(dialect.Erase, "nand erase %#x %#x", addr, size)}
		if page = max(page, 1); n > 0 {
			steps = append(steps, step(dialect.Program, "nand write %#x %#x %#x", from, addr, (n+page-1)/page*page))
		}
		return steps
	}
	steps := []dialect.Step{step(dialect.Unprotect, "protect off %#x +%#x", addr, size), step(dialect.Erase, "erase %#x +%#x", addr, size)}
	if n > 0 {
		steps = append(steps, step(dialect.Program, "cp.b %#x %#x %#x", from, addr, n))
	}
	if s.protectedNOR(addr, size) {
		// U-Boot protected it (its own code, its environment): so again
		steps = append(steps, step(dialect.Protect, "protect on %#x +%#x", addr, size))
	}
	return steps
}

// CheckSteps read a block back into the window (SPI, NAND) and crc32 it.
func (s *Session) CheckSteps(kind dialect.FlashKind, addr, size, window uint64) []dialect.Step {
	sum := func(at uint64) dialect.Step {
		return dialect.Step{Kind: dialect.Check, Command: fmt.Sprintf("crc32 %#x %#x", at, size)}
	}
	switch kind {
	case dialect.SPI, dialect.NAND:
		return []dialect.Step{{Kind: dialect.Fetch, Command: fmt.Sprintf("%s read %#x %#x %#x", kind, window, addr, size)}, sum(window)}
	}
	return []dialect.Step{sum(addr)}
}

// ErrCommandFailed: a flash command did not say it succeeded.
var ErrCommandFailed = errors.New("the command did not succeed")

// RunStep sends a flash command and checks it says it succeeded. An
// erase or a write may work silently for as long as the flash allows it
// (FlashLimit), not just the line's idle timeout.
func (s *Session) RunStep(ctx context.Context, step dialect.Step) error {
	cmd := step.Command
	limit := s.FlashLimit(cmd)
	if what, ok := longWork(cmd); ok {
		s.log.Info(fmt.Sprintf("%s, up to %s", what, limit.Round(time.Second)))
	}
	lines, err := s.con.OutputWithin(ctx, cmd, limit)
	if err != nil {
		return err
	}
	return checkFlashAnswer(cmd, lines)
}

// Size-scaled limits where the flash does not say its own: typical SPI
// NOR erases 64 KiB in under 2 s and programs it in under 1 s; NAND erases
// a block in milliseconds and programs 128 KiB in under a second.
const (
	sfErasePer64K  = 3 * time.Second
	sfWritePer64K  = 2 * time.Second
	nandPerMiB     = 2 * time.Second
	limitBase      = 5 * time.Second
	norEraseUnsaid = 16 * time.Second // a sector, where flinfo says nothing
	norWriteUnsaid = 3 * time.Millisecond
)

// FlashLimit is how long a flash command may take, from what the flash
// says of itself (flinfo's erase and write timeouts) or, for SPI NOR and
// NAND, scaled by the size.
func (s *Session) FlashLimit(cmd string) time.Duration {
	f := strings.Fields(cmd)
	num := func(i int) uint64 {
		if i >= len(f) {
			return 0
		}
		v, _ := strconv.ParseUint(strings.TrimPrefix(f[i], "+"), 0, 64)
		return v
	}
	per := func(n, unit uint64, d time.Duration) time.Duration {
		return time.Duration((n+unit-1)/unit) * d
	}
	switch {
	case len(f) >= 4 && f[0] == "sf" && f[1] == "erase":
		return limitBase + per(num(3), 64<<10, sfErasePer64K)
	case len(f) >= 5 && f[0] == "sf" && f[1] == "write":
		return limitBase + per(num(4), 64<<10, sfWritePer64K)
	case len(f) >= 4 && f[0] == "nand" && f[1] == "erase":
		return limitBase + per(num(3), 1<<20, nandPerMiB)
	case len(f) >= 5 && f[0] == "nand" && f[1] == "write":
		return limitBase + per(num(4), 1<<20, nandPerMiB)
	case len(f) >= 3 && f[0] == "erase":
		addr, n := num(1), num(2)
		bank, sectors := s.bankOf(addr, n)
		erase := norEraseUnsaid
		if bank != nil && bank.EraseTimeout > 0 {
			erase = bank.EraseTimeout
		}
		return limitBase + time.Duration(max(sectors, 1))*erase
	case len(f) >= 4 && f[0] == "cp.b":
		n := num(3)
		bank, _ := s.bankOf(num(2), n)
		write, port := norWriteUnsaid, uint64(2)
		if bank != nil && bank.WriteTimeout > 0 {
			write = bank.WriteTimeout
		}
		if bank != nil && bank.PortWidth > 0 {
			port = bank.PortWidth
		}
		// Word by word is the slowest the driver may choose.
		limit := per(n, port, write)
		if bank != nil && bank.BufferSize > 0 && bank.BufferTimeout > 0 {
			limit = max(limit, per(n, bank.BufferSize, bank.BufferTimeout))
		}
		return limitBase + limit
	}
	return 0 // the line's idle timeout
}

// bankOf is the NOR bank that holds addr (as flinfo listed it), and how
// many of its sectors [addr, addr+n) touches.
func (s *Session) bankOf(addr, n uint64) (*dialect.NORBank, int) {
	for i := range s.banks {
		b := &s.banks[i]
		if addr < b.Start || addr >= b.Start+b.Size {
			continue
		}
		count := 0
		for j, start := range b.Sectors {
			if start < addr+n && b.SectorEnd(j) > addr {
				count++
			}
		}
		return b, count
	}
	return nil, 0
}

// protectedNOR: flinfo (once asked) marks a sector of [addr, addr+n)
// read-only.
func (s *Session) protectedNOR(addr, n uint64) bool {
	b, _ := s.bankOf(addr, n)
	if b == nil {
		return false
	}
	for i, start := range b.Sectors {
		if start < addr+n && b.SectorEnd(i) > addr && i < len(b.Protected) && b.Protected[i] {
			return true
		}
	}
	return false
}

// longWork names an erase or a program for the log.
func longWork(cmd string) (string, bool) {
	f := strings.Fields(cmd)
	switch {
	case len(f) >= 3 && f[0] == "erase":
		return fmt.Sprintf("erasing %s..%s", f[1], f[2]), true
	case len(f) >= 4 && (f[1] == "erase") && (f[0] == "sf" || f[0] == "nand"):
		return fmt.Sprintf("erasing %s+%s", f[2], f[3]), true
	case len(f) >= 4 && f[0] == "cp.b":
		return fmt.Sprintf("programming %s bytes at %s", f[3], f[2]), true
	case len(f) >= 5 && f[1] == "write" && (f[0] == "sf" || f[0] == "nand"):
		return fmt.Sprintf("programming %s bytes at %s", f[4], f[3]), true
	}
	return "", false
}

// checkFlashAnswer judges a flash command's output by what U-Boot prints
// on success.
func checkFlashAnswer(cmd string, lines []string) error {
	f := strings.Fields(cmd)
	if len(f) < 2 {
		return fmt.Errorf("%w: %q is no flash command", ErrCommandFailed, cmd)
	}
	switch f[0] + " " + f[1] {
	case "sf erase":
		return expect(lines, "Erased: OK")
	case "sf write":
		return expect(lines, "Written: OK")
	case "nand erase":
		for _, l := range lines {
			if strings.TrimSpace(l) == "OK" {
				return nil
			}
		}
		return fmt.Errorf("%w: it printed %q", ErrCommandFailed, lines)
	case "nand write":
		return expect(lines, "bytes written: OK")
	}
	switch f[0] {
	case "protect":
		if f[1] == "on" {
			return expect(lines, "Protected ")
		}
		return expect(lines, "Un-Protected")
	case "erase":
		for _, l := range lines {
			if strings.Contains(l, "protected sectors will not be erased") {
				return fmt.Errorf("%w: %s", ErrCommandFailed, l)
			}
		}
		return expect(lines, "Erased ")
	default: // cp.b
		return expect(lines, "Copy to Flash... done")
	}
}

func expect(lines []string, text string) error {
	for _, l := range lines {
		if strings.Contains(l, text) {
			return nil
		}
	}
	return fmt.Errorf("%w: it printed %q, not %q", ErrCommandFailed, lines, text)
}

// Upload puts data into RAM at ram with the first of Uploaders the board
// has.
func (s *Session) Upload(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	_, err := s.upload(ctx, ram, data, progress)
	return err
}

// upload is Upload, saying which command did it. A command the board
// turns out not to have is not asked again on this connection.
func (s *Session) upload(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) (string, error) {
	con := s.con
	for _, loader := range Uploaders {
		if s.noLoader[loader] {
			continue
		}
		if loader == "mw.l" {
			if (len(data) >= readerUploadMin || s.byReader) && !s.noUpload && !s.placing && s.noReader == nil {
				err := s.uploadByReader(ctx, ram, data, progress)
				if err == nil || !errors.Is(err, ErrNoBinaryReader) {
					return byReader, err
				}
				s.noReader = err
				s.log.Warn(fmt.Sprintf("the board has no loader, and the binary reader cannot take the upload (%v): typing it in with mw.l", err))
			}
			return loader, s.uploadWords(ctx, ram, data, progress)
		}
		cmd := fmt.Sprintf("%s %#x", loader, ram)
		first := ""
		started, err := con.Start(ctx, cmd, func(line []byte) bool {
			first = string(line)
			return true
		})
		if err != nil {
			return loader, err
		}
		if started && (strings.HasPrefix(first, "## Ready for binary") || strings.HasPrefix(first, "## Ready for S-Record")) {
			return loader, s.receive(ctx, cmd, data, progress)
		}
		if started {
			// Not a receiver's banner: let the command end.
			if err := con.Finish(ctx, cmd, nil); err != nil {
				return loader, err
			}
		}
		s.lacks(loader, first)
	}
	return "", fmt.Errorf("no way to upload to RAM: the board has none of %v", Uploaders)
}

// receive sends data to the receiver cmd started (loady, loadb, loadx,
// loads) and checks the size it reports.
func (s *Session) receive(ctx context.Context, cmd string, data []byte, progress func(sent, total int, how string)) error {
	line := &console.TransferLine{Ctx: ctx, Con: s.con, Timeout: xfer.ErrTimeout}
	xopt := xfer.Options{Logger: s.log, Progress: func(sent, total int) {
		if progress != nil {
			progress(sent, total, "uploading")
		}
	}}
	var err error
	switch strings.Fields(cmd)[0] {
	case "loadb":
		err = xfer.SendKermit(ctx, line, "image.bin", data, xopt)
	case "loadx":
		err = xfer.SendXMODEM(ctx, line, data, xopt)
	case "loads":
		err = xfer.SendSRecords(ctx, line, data, xopt)
	default:
		err = xfer.SendYMODEM(ctx, line, "image.bin", data, xopt)
	}
	if err != nil {
		return fmt.Errorf("upload (%s): %w", cmd, err)
	}
	total := ""
	if err := s.con.Finish(ctx, cmd, console.Text(func(l []byte) error {
		if i := strings.Index(string(l), "## Total Size"); i >= 0 {
			total = string(l[i:])
		}
		return nil
	})); err != nil {
		return err
	}
	var got int
	if _, err := fmt.Sscanf(total[strings.LastIndex(total, "=")+1:], "%d Bytes", &got); err != nil || total == "" {
		return fmt.Errorf("%s did not say how much it received (%q)", cmd, total)
	}
	// XMODEM carries no size: its last block arrives padded to 128 bytes
	// with 0x1A, which U-Boot strips when it finds three or more (and with
	// them any 0x1A the data ends in).
	lo, hi := len(data), len(data)
	if strings.HasPrefix(cmd, "loadx") {
		lo = len(bytes.TrimRight(data, "\x1a"))
		hi = (len(data) + 127) / 128 * 128
	}
	if got < lo || got > hi {
		return fmt.Errorf("%s received %d bytes, not %d", cmd, got, len(data))
	}
	return nil
}

// mwLine is how long a line of mw.l commands may be: U-Boot reads at
// most CONFIG_SYS_CBSIZE - 1 characters (256 on most builds, 1.1.x's
// CFG_CBSIZE too).
const mwLine = 200

// uploadWords writes data with mw.l, the last resort where the board has
// no loader, each word in the CPU's byte order (little-endian while it is
// unknown: the check that follows catches the other).
func (s *Session) uploadWords(ctx context.Context, ram uint64, data []byte, progress func(sent, total int, how string)) error {
	order := s.order
	if order == nil {
		order = binary.LittleEndian
	}
	padded := append([]byte(nil), data...)
	for len(padded)%4 != 0 {
		padded = append(padded, 0xff)
	}
	words := make([]uint32, len(padded)/4)
	for i := range words {
		words[i] = order.Uint32(padded[4*i:])
	}
	var written func(int)
	if progress != nil {
		written = func(n int) { progress(4*n, len(padded), "uploading with mw.l") }
	}
	return s.writeWords(ctx, ram, words, written)
}

// writeWords writes words at addr with mw.l in as few lines as fit: a
// command a word, several a line (U-Boot's parser runs a line's commands
// separated by ';'), the words that are zero cleared first by one
// command (mw.l's count) and then left out. Each line costs a round trip;
// on a real adapter, that is its latency timer. written, if set, is told
// how many words the lines sent so far cover, after each line.
func (s *Session) writeWords(ctx context.Context, addr uint64, words []uint32, written func(int)) error {
	zeros := 0
	for _, w := range words {
		if w == 0 {
			zeros++
		}
	}
	var line strings.Builder
	add := func(cmd string, covered int) error {
		if line.Len() > 0 && line.Len()+2+len(cmd) > mwLine {
			if _, err := s.con.Output(ctx, line.String()); err != nil {
				return err
			}
			line.Reset()
			if written != nil {
				written(covered)
			}
		}
		if line.Len() > 0 {
			line.WriteString("; ")
		}
		line.WriteString(cmd)
		return nil
	}
	if zeros > 1 {
		if err := add(fmt.Sprintf("mw.l %x 0 %x", addr, len(words)), 0); err != nil {
			return err
		}
	}
	for i, w := range words {
		if w == 0 && zeros > 1 {
			continue
		}
		if err := add(fmt.Sprintf("mw.l %x %08x", addr+4*uint64(i), w), i); err != nil {
			return err
		}
	}
	if line.Len() == 0 {
		return nil
	}
	_, err := s.con.Output(ctx, line.String())
	if err == nil && written != nil {
		written(len(words))
	}
	return err
}
