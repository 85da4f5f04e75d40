package dump

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/words"
)

// Reader is what a dump reads through: a dialect's session, a flash
// window of one, or a faster reader it set up.
type Reader = dialect.Reader

// Target is what a dump reads, and what proves it: the device's checksum
// where it has one (else each chunk is read twice), and its check that a
// range is erased (else erased chunks are read like the rest).
type Target struct {
	Reader
	Sums dialect.Checksummer
	Fill dialect.FillChecker
}

// TargetOf is r with the checksum and erase check it has itself.
func TargetOf(r Reader) Target {
	t := Target{Reader: r}
	t.Sums, _ = r.(dialect.Checksummer)
	t.Fill, _ = r.(dialect.FillChecker)
	return t
}

// Options describe one dump.
type Options struct {
	Addr      uint64
	Size      uint64
	ChunkSize int // default 64 KiB
	Retries   int // re-reads of a chunk that fails; default 5, negative for none
	// Output is the image file: it appears only when every chunk is read
	// and verified; until then the data is in FILE.bootdump.part and the
	// journal FILE.bootdump.json, which a dump of the same range resumes
	// from. To, instead, takes the verified chunks as they come (any
	// io.WriterAt: memory, a file of the caller's); nothing is journalled
	// then, so nothing resumes. Give one of the two.
	Output  string
	To      io.WriterAt
	Force   bool // replace an existing output file
	Restart bool // ignore an unfinished journal
	Port    string
	Baud    int
	Source  string // "mem"
	NoSkip  bool   // dump erased chunks too, instead of confirming them by checksum
	Base    string // an earlier image of the same range: chunks whose checksum matches are copied from it
	// Image is the entry of the bootloader's image table the range is
	// (dump --image): the record keeps it, for a restore to write the
	// image back where the table no longer lists it.
	Image *dialect.Image

	ReconnectTimeout time.Duration // how long to wait for a lost device; default 2 min
	Logger           *slog.Logger
	Progress         func(Progress)
	// Choose, if set, is asked once, after the survey, with the bytes of
	// data left to read (not erased, not from the base image): it returns
	// the reader for the rest, the target's own or one that pays its
	// setup back on that much data (the binary reader).
	Choose func(ctx context.Context, r Reader, data uint64) Reader
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
	// VerifiedBase; VerifiedBytes counts their bytes (a chunk may be
	// split into pieces of different sizes).
	Verified      map[string]int
	VerifiedBytes map[string]uint64
	ChunksRead    int
	Retries       int
	Resets        int // board resets survived
	Reconnects    int // lost connections survived
	Elapsed       time.Duration
}

var (
	// ErrExists: the output file is there already.
	ErrExists = errors.New("output file exists")
	// ErrInvalid: the options cannot describe a dump.
	ErrInvalid = errors.New("invalid dump request")
	// ErrJournal: an unfinished journal is for another dump, or cannot
	// be resumed.
	ErrJournal = errors.New("unfinished journal for a different dump")
)

// JournalError is an unfinished journal that this dump cannot resume: it
// is for another range (Other), or its data file is gone.
type JournalError struct {
	Path  string
	Other *Record // the dump it is for, where it is another's
	Err   error   // why it cannot be resumed, where it is this dump's
}

func (e *JournalError) Error() string {
	if e.Other != nil {
		return fmt.Sprintf("%v: %s is for %d bytes at %#x (%s)", ErrJournal, e.Path, e.Other.Size, uint64(e.Other.Addr), e.Other.Source)
	}
	return fmt.Sprintf("the journal %s has no data file (%v)", e.Path, e.Err)
}

func (e *JournalError) Unwrap() []error { return []error{ErrJournal, e.Err} }

// Job is a prepared dump: arguments checked, output and journal looked at,
// before anything is sent to the device.
type Job struct {
	opt     Options
	rec     *Record
	sink    sink
	base    *os.File          // Options.Base, open
	erased  map[int][2]uint32 // chunk size -> checksum of all 0xff, all 0x00
	done    map[uint64]bool   // chunk offsets verified and kept
	resumed uint64
	noFill  bool   // the device cannot confirm erased chunks
	second  []byte // the second reading
	// sums is the device's checksum (nil: read twice), sum the same
	// computed here; fill confirms erased ranges on the device.
	sums dialect.Checksummer
	sum  func([]byte) uint32
	fill dialect.FillChecker
	run  *runState
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
		opt.Source = string(dialect.Mem)
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ReconnectTimeout == 0 {
		opt.ReconnectTimeout = 2 * time.Minute
	}
	switch {
	case opt.Size == 0:
		return nil, fmt.Errorf("%w: the size is 0", ErrInvalid)
	case opt.Addr+opt.Size < opt.Addr && opt.Addr+opt.Size != 0:
		return nil, fmt.Errorf("%w: %#x + %#x runs past the top of the address space", ErrInvalid, opt.Addr, opt.Size)
	case opt.Output == "" && opt.To == nil:
		return nil, fmt.Errorf("%w: nowhere to put the image (no output file, no writer)", ErrInvalid)
	case opt.Output != "" && opt.To != nil:
		return nil, fmt.Errorf("%w: an output file and a writer both", ErrInvalid)
	}
	j := &Job{opt: opt, done: map[uint64]bool{}, erased: map[int][2]uint32{}}
	if opt.To != nil {
		j.sink = &writerSink{w: opt.To}
	} else if err := j.openJournal(); err != nil {
		return nil, err
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

// openJournal looks at the output file and its journal: an unfinished
// journal of this dump is resumed.
func (j *Job) openJournal() error {
	out := j.opt.Output
	rec, err := ReadRecord(RecordPath(out))
	if err != nil && !j.opt.Restart {
		return err
	}
	resume := rec != nil && rec.State == StateInProgress && !j.opt.Restart
	room := j.opt.Size // a resumed dump has its part file already
	if resume {
		room = 0
	}
	if err := CheckOutput(out, room, j.opt.Force); err != nil {
		return err
	}
	fs := &fileSink{out: out}
	j.sink = fs
	if !resume {
		return nil
	}
	if uint64(rec.Addr) != j.opt.Addr || rec.Size != j.opt.Size || rec.Source != j.opt.Source {
		return &JournalError{Path: RecordPath(out), Other: rec}
	}
	f, err := os.OpenFile(fs.partPath(), os.O_RDWR, 0)
	if err != nil {
		return &JournalError{Path: RecordPath(out), Err: err}
	}
	fs.part = f
	j.resume(rec)
	return nil
}

// resume keeps the journal's chunks whose bytes on disk still match.
func (j *Job) resume(rec *Record) {
	j.rec = rec
	j.opt.ChunkSize = rec.ChunkSize
	// A planned chunk counts as done when the pieces it was read in (one,
	// or more after halving) all still match the data on disk.
	chunk := uint64(rec.ChunkSize)
	covered := map[uint64]uint64{}
	bad := map[uint64]bool{}
	for _, c := range rec.Chunks {
		buf := make([]byte, c.Size)
		start := c.Offset / chunk * chunk
		if _, err := j.sink.ReadAt(buf, int64(c.Offset)); err == nil && fmt.Sprintf("%08x", crc32.ChecksumIEEE(buf)) == c.CRC32 {
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
		j.opt.Logger.Info(fmt.Sprintf("resuming from the journal: %s of %s already verified", words.Size(uint64(j.resumed)), words.Size(rec.Size)))
	}
}

// start begins a new record, and the sink's data.
func (j *Job) start() error {
	if err := j.sink.create(j.opt.Size); err != nil {
		return err
	}
	now := time.Now().UTC()
	j.rec = &Record{
		Tool: "bootdump", Format: 1, State: StateInProgress, Output: j.opt.Output,
		Partial: j.sink.partial(), Port: j.opt.Port, Baud: j.opt.Baud, Source: j.opt.Source, Base: j.opt.Base, Image: j.opt.Image,
		Addr: Hex(j.opt.Addr), Size: j.opt.Size, ChunkSize: j.opt.ChunkSize,
		Started: now, Updated: now, Chunks: []Chunk{},
	}
	return j.sink.commit(j.rec)
}

// Close releases the files; an unfinished dump stays resumable.
func (j *Job) Close() error {
	if j.base != nil {
		j.base.Close()
		j.base = nil
	}
	return j.sink.close()
}

// Connected says where the device was reached, for the record, once it
// is (a dump may be prepared before).
func (j *Job) Connected(port string, baud int) { j.opt.Port, j.opt.Baud = port, baud }

// Choosing sets Options.Choose once the device is known.
func (j *Job) Choosing(choose func(ctx context.Context, r Reader, data uint64) Reader) {
	j.opt.Choose = choose
}
