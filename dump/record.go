package dump

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"

	"github.com/bootdump/bootdump/dialect"
)

// Record states.
const (
	StateInProgress = "in-progress"
	StateComplete   = "complete"
)

// Verification methods a chunk can carry.
const (
	VerifiedCRC32  = "crc32"       // dumped; the device's crc32 of the range matched the bytes read (another checksum: its algorithm's name)
	VerifiedTwice  = "double-read" // dumped twice (no device checksum); the readings agreed, and every line passed its checks
	VerifiedErased = "erased"      // not dumped: the device's crc32 is that of all 0xff (or 0x00), confirmed by comparing on the device
	VerifiedBase   = "base"        // not dumped: the device's crc32 matched the same range of the base image, copied from it
)

// Record is FILE.bootdump.json: the journal a resumed dump continues from,
// and afterwards the record of what was read, from where, and how each
// chunk was verified.
type Record struct {
	Tool      string           `json:"tool"`
	Format    int              `json:"format"`
	State     string           `json:"state"`
	Output    string           `json:"output"`
	Partial   string           `json:"partial"`
	Port      string           `json:"port"`
	Baud      int              `json:"baud,omitempty"`
	Device    dialect.Identity `json:"device"`
	Source    string           `json:"source"`
	Base      string           `json:"base,omitempty"`  // the earlier image unchanged chunks were copied from
	Image     *dialect.Image   `json:"image,omitempty"` // the image table's entry the range is (dump --image)
	Addr      Hex              `json:"addr"`
	Size      uint64           `json:"size"`
	ChunkSize int              `json:"chunk_size"`
	Started   time.Time        `json:"started"`
	Updated   time.Time        `json:"updated"`
	Seconds   float64          `json:"seconds"` // time spent reading, over all runs
	Retries   int              `json:"retries"`
	// Algorithm is the device's checksum that verified the chunks marked
	// with its name ("crc32", "posix-cksum"); none: they were read twice.
	Algorithm string  `json:"algorithm,omitempty"`
	Chunks    []Chunk `json:"chunks"`
	// Reread are the chunks (offsets) a resumed dump read again because
	// the device no longer held what the interrupted run had read.
	Reread []Hex  `json:"reread,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	CRC32  string `json:"crc32,omitempty"`
	// Contents is what the finished image holds (package identify's report).
	Contents json.RawMessage `json:"contents,omitempty"`
	// BadBlocks are NAND erase blocks (offsets from Addr) that were not
	// read: the image holds 0xFF there.
	BadBlocks []Hex `json:"bad_blocks,omitempty"`
	// Capture is the console log an image was parsed from (bootdump
	// parse); Gaps are the ranges no line of it covered, which hold
	// GapFill in the image.
	Capture string  `json:"capture,omitempty"`
	Gaps    []Range `json:"gaps,omitempty"`
	GapFill string  `json:"gap_fill,omitempty"`
}

// Chunk is one verified piece of the image.
type Chunk struct {
	Offset   uint64 `json:"offset"` // from Addr
	Size     int    `json:"size"`
	CRC32    string `json:"crc32"`
	Verified string `json:"verified"`
	Attempts int    `json:"attempts"`
	// Reader is the command that read it (md.l, binary reader (arm64)),
	// for a chunk that was read.
	Reader string `json:"reader,omitempty"`
	// Erased says a read piece is all 0xff (or 0x00): a reader that
	// streams tells such blocks in a few bytes, and the chunk's checksum
	// verified them with the rest.
	Erased bool `json:"erased,omitempty"`
}

// Hex is an address, written as "0x..." in the record.
type Hex uint64

func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(fmt.Sprintf("%#x", uint64(h))) }

func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	_, err := fmt.Sscanf(s, "0x%x", (*uint64)(h))
	return err
}

// RecordPath is where the record of a dump to out lives.
func RecordPath(out string) string { return out + ".bootdump.json" }

// PartPath is where the data of an unfinished dump to out is kept.
func PartPath(out string) string { return out + ".bootdump.part" }

// ErrDamagedJournal: a record that is not JSON.
var ErrDamagedJournal = errors.New("the journal is damaged")

// ReadRecord loads a record; a missing one is (nil, nil).
func ReadRecord(path string) (*Record, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDamagedJournal, path, err)
	}
	return &r, nil
}

// UpdateRecord changes the finished record of the image at out: what is
// known only after the dump (its contents, the bad blocks it skipped).
func UpdateRecord(out string, edit func(*Record) error) error {
	path := RecordPath(out)
	r, err := ReadRecord(path)
	if err != nil {
		return err
	}
	if r == nil {
		return fmt.Errorf("no record %s to update", path)
	}
	if err := edit(r); err != nil {
		return err
	}
	return r.save(path)
}

// save replaces the record atomically: a crash leaves the old or the new
// one, never a torn file.
func (r *Record) save(path string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // prompts hold > and #: as themselves
	if err := enc.Encode(r); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WriteComplete writes an image made elsewhere (bootdump parse) and its
// record, each atomically: a crash leaves no image that looks complete.
func WriteComplete(out string, data []byte, r *Record) error {
	r.Tool, r.Format, r.State, r.Output, r.Size = "bootdump", 1, StateComplete, out, uint64(len(data))
	sum := sha256.Sum256(data)
	r.SHA256, r.CRC32 = hex.EncodeToString(sum[:]), fmt.Sprintf("%08x", crc32.ChecksumIEEE(data))
	r.Started, r.Updated = time.Now().UTC(), time.Now().UTC()
	if err := writeFileAtomic(out, data); err != nil {
		return err
	}
	return r.save(RecordPath(out))
}
