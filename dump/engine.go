package dump

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Reader is what a dump reads through: a dialect's session, or a flash
// window of one. A device that can checksum memory (dialect.Checksummer)
// verifies each chunk with that, and one that can compare memory on the
// board (dialect.FillChecker) has its erased chunks confirmed, not dumped.
type Reader = dialect.Reader

// Options describe one dump.
type Options struct {
	Addr      uint64
	Size      uint64
	ChunkSize int // default 64 KiB
	Retries   int // re-reads of a chunk that fails; default 5, negative for none
	Output    string
	Force     bool // replace an existing output file
	Restart   bool // ignore an unfinished journal
	Port      string
	Baud      int
	Source    string // "mem"
	NoSkip    bool   // dump erased chunks too, instead of confirming them by checksum
	Base      string // an earlier image of the same range: chunks whose checksum matches are copied from it

	ReconnectTimeout time.Duration // how long to wait for a lost device; default 2 min
	Logger           *slog.Logger
	Progress         func(Progress)
	// Choose, if set, is asked once, after the survey, with the bytes of
	// data left to read (not erased, not from the base image): it returns
	// the reader for the rest, dev itself or one that pays its setup back
	// on that much data (the binary reader).
	Choose func(ctx context.Context, dev Reader, data uint64) Reader
}

// Result summarises a finished dump.
type Result struct {
	Record  *Record
	Read    uint64 // bytes read from the device in this run
	Resumed uint64 // bytes taken from an earlier run's journal, checked on the device
	// ChunksResumed were kept from the journal after the device confirmed
	// them; ChunksReread had changed on the device and were read again.
	ChunksResumed, ChunksReread int
	// Verified counts this run's chunks (and pieces) by how each was
	// verified: the checksum's name, VerifiedTwice, VerifiedErased,
	// VerifiedBase.
	Verified   map[string]int
	ChunksRead int
	Retries    int
	Resets     int // board resets survived
	Reconnects int // lost connections survived
	Elapsed    time.Duration
}

var (
	// ErrExists: the output file is there already.
	ErrExists = errors.New("output file exists")
	// ErrInvalid: the options cannot describe a dump.
	ErrInvalid = errors.New("invalid dump request")
	// ErrJournal: an unfinished journal is for another dump.
	ErrJournal = errors.New("unfinished journal for a different dump")
)

// ChunkError: a range could not be read and verified.
type ChunkError struct {
	Addr     uint64
	Size     int
	Attempts int
	Err      error
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("could not read a verified copy of %#x..%#x after %d attempts: %v",
		e.Addr, e.Addr+uint64(e.Size)-1, e.Attempts, e.Err)
}
func (e *ChunkError) Unwrap() error { return e.Err }

// MismatchError: the bytes read do not have the checksum the device reports.
type MismatchError struct {
	Addr          uint64
	Size          int
	Device, Local uint32
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the checksum of %#x..%#x is %08x on the device but %08x as read", e.Addr, e.Addr+uint64(e.Size)-1, e.Device, e.Local)
}

// DisagreeError: two readings of the same range differ.
type DisagreeError struct{ Addr uint64 }

func (e *DisagreeError) Error() string {
	return fmt.Sprintf("two readings disagree at %#x", e.Addr)
}

// Job is a prepared dump: arguments checked, output and journal looked at,
// before anything is sent to the device.
type Job struct {
	opt     Options
	rec     *Record
	part    *os.File
	base    *os.File          // Options.Base, open
	erased  map[int][2]uint32 // chunk size -> crc32 of all 0xff, all 0x00
	done    map[uint64]bool   // chunk offsets verified and on disk
	resumed uint64
	save    func() error        // writes the journal with the time spent so far
	noFill  bool                // the device cannot confirm erased chunks
	noCRC   bool                // the device has no checksum command: read twice
	second  []byte              // the second reading
	sum     func([]byte) uint32 // the device's checksum, computed here
	// checksum is the device's checksum command, nil where it has none
	checksum dialect.Checksummer
	waiting  func(string) // shows what the engine waits for
	prog     Progress     // what this run has done, and what it took
	// plan holds the survey's checksum of each chunk not yet read, for
	// the chunk's first attempt.
	plan map[span]plannedChunk
}

// Prepare checks a dump request and loads the journal it resumes, if any.
// It writes nothing: files appear only when Run starts reading.
func Prepare(opt Options) (*Job, error) {
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 64 << 10
	}
	if opt.Retries == 0 {
		opt.Retries = 5
	} else if opt.Retries < 0 {
		opt.Retries = 0
	}
	if opt.Source == "" {
		opt.Source = "mem"
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ReconnectTimeout == 0 {
		opt.ReconnectTimeout = 2 * time.Minute
	}
	switch {
	case opt.Size == 0:
		return nil, fmt.Errorf("%w: the size is 0; give --size, e.g. --size 1M", ErrInvalid)
	case opt.Addr+opt.Size < opt.Addr && opt.Addr+opt.Size != 0:
		return nil, fmt.Errorf("%w: %#x + %#x runs past the top of the address space", ErrInvalid, opt.Addr, opt.Size)
	case opt.Output == "":
		return nil, fmt.Errorf("%w: no output file; give -o FILE", ErrInvalid)
	}
	rec, err := ReadRecord(RecordPath(opt.Output))
	if err != nil && !opt.Restart {
		return nil, err
	}
	room := opt.Size // a resumed dump has its part file already
	if rec != nil && rec.State == StateInProgress && !opt.Restart {
		room = 0
	}
	if err := CheckOutput(opt.Output, room, opt.Force); err != nil {
		return nil, err
	}
	j := &Job{opt: opt, done: map[uint64]bool{}, erased: map[int][2]uint32{}}
	if rec != nil && rec.State == StateInProgress && !opt.Restart {
		if uint64(rec.Addr) != opt.Addr || rec.Size != opt.Size || rec.Source != opt.Source {
			return nil, fmt.Errorf("%w: %s is for %d bytes at %#x (%s); repeat that command to resume it, or add --restart to discard it",
				ErrJournal, RecordPath(opt.Output), rec.Size, uint64(rec.Addr), rec.Source)
		}
		if err := j.resume(rec); err != nil {
			return nil, err
		}
	}
	if opt.Base != "" {
		f, err := os.Open(opt.Base)
		if err != nil {
			j.Close()
			return nil, fmt.Errorf("base image: %w", err)
		}
		j.base = f
	}
	return j, nil
}

func (j *Job) partPath() string { return j.opt.Output + ".bootdump.part" }

func (j *Job) start() error {
	f, err := os.OpenFile(j.partPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", j.partPath(), err)
	}
	if err := f.Truncate(int64(j.opt.Size)); err != nil {
		f.Close()
		return fmt.Errorf("make room for %d bytes in %s: %w", j.opt.Size, j.partPath(), err)
	}
	j.part = f
	now := time.Now().UTC()
	j.rec = &Record{
		Tool: "bootdump", Format: 1, State: StateInProgress, Output: j.opt.Output,
		Partial: j.partPath(), Port: j.opt.Port, Baud: j.opt.Baud, Source: j.opt.Source, Base: j.opt.Base,
		Addr: Hex(j.opt.Addr), Size: j.opt.Size, ChunkSize: j.opt.ChunkSize,
		Started: now, Updated: now, Chunks: []Chunk{},
	}
	return j.rec.save(RecordPath(j.opt.Output))
}

// resume keeps the journal's chunks whose bytes on disk still match.
func (j *Job) resume(rec *Record) error {
	f, err := os.OpenFile(j.partPath(), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("the journal %s has no data file (%w); add --restart to start over", RecordPath(j.opt.Output), err)
	}
	j.part, j.rec = f, rec
	j.opt.ChunkSize = rec.ChunkSize
	// A planned chunk counts as done when the pieces it was read in (one,
	// or more after halving) all still match the data on disk.
	chunk := uint64(rec.ChunkSize)
	covered := map[uint64]uint64{}
	bad := map[uint64]bool{}
	for _, c := range rec.Chunks {
		buf := make([]byte, c.Size)
		start := c.Offset / chunk * chunk
		if _, err := f.ReadAt(buf, int64(c.Offset)); err == nil && fmt.Sprintf("%08x", crc32.ChecksumIEEE(buf)) == c.CRC32 {
			covered[start] += uint64(c.Size)
		} else {
			bad[start] = true
			j.opt.Logger.Warn("journal chunk not on disk; it will be read again", "offset", c.Offset)
		}
	}
	kept := rec.Chunks[:0]
	for _, c := range rec.Chunks {
		start := c.Offset / chunk * chunk
		if !bad[start] && covered[start] == min(chunk, rec.Size-start) {
			kept = append(kept, c)
			if !j.done[start] {
				j.done[start] = true
				j.resumed += covered[start]
			}
		}
	}
	rec.Chunks = kept
	if j.resumed > 0 {
		j.opt.Logger.Info(fmt.Sprintf("resuming from the journal: %d of %d bytes already verified", j.resumed, rec.Size))
	}
	return nil
}

// Close releases the files; an unfinished dump stays resumable.
func (j *Job) Close() error {
	if j.base != nil {
		j.base.Close()
		j.base = nil
	}
	if j.part == nil {
		return nil
	}
	err := j.part.Close()
	j.part = nil
	return err
}

// Run reads every chunk not yet verified, then writes the output file.
func (j *Job) Run(ctx context.Context, dev Reader) (*Result, error) {
	start := time.Now()
	if j.rec == nil {
		if err := j.start(); err != nil {
			return &Result{}, err
		}
	}
	res := &Result{Record: j.rec, Verified: map[string]int{}}
	j.sum = crc32.ChecksumIEEE
	j.checksum, _ = dev.(dialect.Checksummer)
	if j.checksum != nil && j.checksum.Algorithm().Sum == nil {
		j.checksum = nil // a bootloader without a checksum command
	}
	if j.checksum != nil {
		j.sum = j.checksum.Algorithm().Sum
	}
	if len(j.done) > 0 {
		if err := j.recheck(ctx, dev, res); err != nil {
			return res, err
		}
	}
	res.Resumed = j.resumed
	j.rec.Device = dev.Identity()
	if j.checksum != nil {
		j.rec.Algorithm = j.checksum.Algorithm().Name
	}
	size := j.opt.Size
	buf := make([]byte, j.opt.ChunkSize)
	doneBytes := j.resumed
	j.prog = Progress{Total: size, Resumed: j.resumed}
	var chunkStart time.Time
	var measured time.Time // the survey's time is spent, not left
	report := func(extra int) {
		if j.opt.Progress != nil {
			p := j.prog
			p.Done = doneBytes + uint64(extra)
			p.Retries, p.Resets = res.Retries, res.Resets
			p.Reader = dev.Identity().Command
			if !measured.IsZero() {
				p.Elapsed = time.Since(measured)
			}
			if extra > 0 { // a chunk is being read
				p.ReadBytes += uint64(extra)
				p.ReadTime += time.Since(chunkStart)
				p.ToRead -= min(p.ToRead, uint64(extra))
			}
			j.opt.Progress(p)
		}
	}
	j.waiting = func(what string) {
		j.prog.Waiting = what
		report(0)
	}
	report(0)
	if err := j.survey(ctx, dev); err != nil {
		return res, err
	}
	if j.opt.Choose != nil {
		if dev = j.opt.Choose(ctx, dev, j.dataLeft()); ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	measured = time.Now()
	earlier := j.rec.Seconds
	j.save = func() error {
		now := time.Now()
		j.rec.Device = dev.Identity() // it learns as it reads (the byte order)
		j.rec.Seconds = earlier + now.Sub(start).Seconds()
		j.rec.Updated = now.UTC()
		res.Elapsed = now.Sub(start)
		return j.rec.save(RecordPath(j.opt.Output))
	}
	for off := uint64(0); off < size; off += uint64(j.opt.ChunkSize) {
		if j.done[off] {
			continue
		}
		n := int(min(uint64(j.opt.ChunkSize), size-off))
		chunkStart = time.Now()
		pieces, err := j.readChunk(ctx, dev, off, buf[:n], res, report)
		if err != nil {
			return res, err
		}
		j.account(off, n, pieces, time.Since(chunkStart))
		for i := range pieces {
			if pieces[i].Verified != VerifiedErased && pieces[i].Verified != VerifiedBase {
				pieces[i].Reader = dev.Identity().Command
			}
		}
		// Data first, then the journal that vouches for it.
		if _, err := j.part.WriteAt(buf[:n], int64(off)); err != nil {
			return res, fmt.Errorf("write %s: %w", j.partPath(), err)
		}
		if err := j.part.Sync(); err != nil {
			return res, fmt.Errorf("sync %s: %w", j.partPath(), err)
		}
		j.rec.Chunks = append(j.rec.Chunks, pieces...)
		for _, p := range pieces {
			res.Verified[p.Verified]++
		}
		j.rec.Retries = res.Retries
		if err := j.save(); err != nil {
			return res, fmt.Errorf("write journal: %w", err)
		}
		j.done[off] = true
		doneBytes += uint64(n)
		res.Read += uint64(n)
		res.ChunksRead++
		report(0)
		j.opt.Logger.Debug("chunk verified", "addr", fmt.Sprintf("%#x", j.opt.Addr+off), "size", n, "pieces", len(pieces), "verified", pieces[0].Verified)
	}
	return res, j.finish()
}

// readRange reads buf's worth at addr until it verifies. After two
// failures in a row it reads the two halves on their own (down to a single
// md line), so that a noisy line still gets through. It returns the
// verified pieces.
func (j *Job) readRange(ctx context.Context, dev Reader, addr uint64, buf []byte, res *Result, progress func(int)) ([]Chunk, error) {
	attempts := j.opt.Retries + 1
	var last error
	resets := 0
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			res.Retries++
		}
		verified, err := j.readOnce(ctx, dev, addr, buf, progress)
		if err == nil {
			return []Chunk{{Offset: addr - j.opt.Addr, Size: len(buf), CRC32: fmt.Sprintf("%08x", crc32.ChecksumIEEE(buf)), Verified: verified, Attempts: attempt}}, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, console.ErrReset) {
			res.Resets++
			if resets++; resets == 3 {
				return nil, fmt.Errorf("the device resets whenever %#x..%#x is read: the range is probably outside its memory map (see bdinfo): %w",
					addr, addr+uint64(len(buf))-1, err)
			}
		} else {
			resets = 0
		}
		last = err
		j.opt.Logger.Warn("read failed; reading it again", "addr", fmt.Sprintf("%#x", addr), "size", len(buf), "attempt", attempt, "err", err)
		reconnected, err := j.recover(ctx, dev, addr, err, res)
		if err != nil {
			return nil, err
		}
		if reconnected {
			attempt-- // a pulled cable is no fault of the range
			continue
		}
		if attempt >= 2 && attempt < attempts && len(buf) > minPiece {
			half := len(buf) / 2 &^ (minPiece - 1)
			first, err := j.readRange(ctx, dev, addr, buf[:half], res, progress)
			if err != nil {
				return nil, err
			}
			second, err := j.readRange(ctx, dev, addr+uint64(half), buf[half:], res, func(n int) { progress(half + n) })
			if err != nil {
				return nil, err
			}
			return append(first, second...), nil
		}
	}
	return nil, &ChunkError{Addr: addr, Size: len(buf), Attempts: attempts, Err: last}
}

// minPiece is the smallest range readRange halves down to: one md line.
const minPiece = 16

// recover gets the line back after a failed read: a reconnect if the port
// closed, a resync if the console may be out of step.
func (j *Job) recover(ctx context.Context, dev Reader, addr uint64, err error, res *Result) (reconnected bool, _ error) {
	for {
		if errors.Is(err, console.ErrClosed) {
			if rerr := j.reconnect(ctx, dev, err, res); rerr != nil {
				return false, rerr
			}
			return true, nil
		}
		if !needsResync(err) {
			return false, nil
		}
		if err = dev.Resync(ctx); err == nil {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !errors.Is(err, console.ErrClosed) {
			return false, fmt.Errorf("after a failed read at %#x: %w", addr, err)
		}
	}
}

// reconnect reopens the port with backoff until the device answers again
// or ReconnectTimeout passes.
func (j *Job) reconnect(ctx context.Context, dev Reader, cause error, res *Result) error {
	j.opt.Logger.Warn("lost the device; waiting for it", "err", cause, "for", j.opt.ReconnectTimeout)
	j.waiting("waiting for the device to come back")
	defer j.waiting("")
	deadline := time.Now().Add(j.opt.ReconnectTimeout)
	wait := 100 * time.Millisecond
	for {
		err := dev.Reconnect(ctx)
		if err == nil {
			res.Reconnects++
			j.opt.Logger.Info("the device is back")
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the device did not come back within %v (%w); plug it back in and run the same command to resume", j.opt.ReconnectTimeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// readOnce gets one chunk: the device's checksum first, which may show
// the chunk needs no dump (erased, or unchanged since the base image),
// then the dump, checked against that checksum.
func (j *Job) readOnce(ctx context.Context, dev Reader, addr uint64, buf []byte, progress func(int)) (string, error) {
	if j.checksum == nil || j.noCRC {
		return j.readTwice(ctx, dev, addr, buf, progress)
	}
	n := len(buf)
	want, err := j.plannedSum(addr, n)
	if err != nil {
		want, err = j.checksum.Checksum(ctx, addr, uint64(n))
	}
	if errors.Is(err, dialect.ErrUnsupported) {
		j.opt.Logger.Warn("no checksum command: every chunk is read twice and the readings compared", "err", err)
		j.noCRC = true
		return j.readTwice(ctx, dev, addr, buf, progress)
	}
	if err != nil {
		return "", err
	}
	if j.fromBase(addr, buf, want) {
		return VerifiedBase, nil
	}
	if fill, ok := j.erasedFill(n, want); ok && !j.opt.NoSkip {
		same, err := j.confirmFill(ctx, dev, addr, n, fill)
		if err != nil {
			return "", err
		}
		if same {
			for i := range buf {
				buf[i] = fill
			}
			return VerifiedErased, nil
		}
	}
	if err := dev.ReadMemory(ctx, addr, buf, progress); err != nil {
		return "", err
	}
	if got := j.sum(buf); got != want {
		return "", &MismatchError{Addr: addr, Size: n, Device: want, Local: got}
	}
	return j.checksum.Algorithm().Name, nil
}

// readTwice is the check of last resort: two readings that agree.
func (j *Job) readTwice(ctx context.Context, dev Reader, addr uint64, buf []byte, progress func(int)) (string, error) {
	if err := dev.ReadMemory(ctx, addr, buf, progress); err != nil {
		return "", err
	}
	if cap(j.second) < len(buf) {
		j.second = make([]byte, len(buf))
	}
	again := j.second[:len(buf)]
	if err := dev.ReadMemory(ctx, addr, again, nil); err != nil {
		return "", err
	}
	if i := firstDifference(buf, again); i >= 0 {
		return "", &DisagreeError{Addr: addr + uint64(i)}
	}
	return VerifiedTwice, nil
}

func firstDifference(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// fromBase copies the chunk from the base image when its checksum there
// is the device's.
func (j *Job) fromBase(addr uint64, buf []byte, want uint32) bool {
	if j.base == nil {
		return false
	}
	n, err := j.base.ReadAt(buf, int64(addr-j.opt.Addr))
	return n == len(buf) && (err == nil || err == io.EOF) && j.sum(buf) == want
}

// erasedFill says whether sum is the checksum of n bytes of 0xff or 0x00.
func (j *Job) erasedFill(n int, sum uint32) (byte, bool) {
	sums, ok := j.erased[n]
	if !ok {
		b := make([]byte, n)
		sums[1] = j.sum(b)
		for i := range b {
			b[i] = 0xff
		}
		sums[0] = j.sum(b)
		j.erased[n] = sums
	}
	switch sum {
	case sums[0]:
		return 0xff, true
	case sums[1]:
		return 0x00, true
	}
	return 0, false
}

// confirmFill rules out a checksum collision on the device. Without a
// way to (no scratch RAM, no cmp), skipping is switched off for the dump.
func (j *Job) confirmFill(ctx context.Context, dev Reader, addr uint64, n int, fill byte) (bool, error) {
	fc, ok := dev.(dialect.FillChecker)
	if !ok || j.noFill {
		return false, nil
	}
	same, err := fc.IsFilled(ctx, addr, uint64(n), fill)
	if errors.Is(err, dialect.ErrUnsupported) {
		j.opt.Logger.Warn("erased chunks will be dumped: they cannot be confirmed on the device", "err", err)
		j.noFill = true
		return false, nil
	}
	return same, err
}

// needsResync: after a bad line or a checksum mismatch the console is
// still at its prompt; after anything else it may not be.
func needsResync(err error) bool {
	var mm *MismatchError
	var dis *DisagreeError
	return !errors.Is(err, dialect.ErrGarbled) && !errors.As(err, &mm) && !errors.As(err, &dis)
}

// finish hashes the data file and renames it into place.
func (j *Job) finish() error {
	if _, err := j.part.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sh, cr := sha256.New(), crc32.NewIEEE()
	if _, err := io.Copy(io.MultiWriter(sh, cr), j.part); err != nil {
		return fmt.Errorf("read back %s: %w", j.partPath(), err)
	}
	if err := j.part.Sync(); err != nil {
		return err
	}
	if err := j.Close(); err != nil {
		return err
	}
	if err := os.Rename(j.partPath(), j.opt.Output); err != nil {
		return fmt.Errorf("move the finished image into place: %w", err)
	}
	j.rec.State = StateComplete
	j.rec.Partial = ""
	j.rec.SHA256 = hex.EncodeToString(sh.Sum(nil))
	j.rec.CRC32 = fmt.Sprintf("%08x", cr.Sum32())
	return j.save()
}
