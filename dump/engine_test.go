package dump

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/bootdump/bootdump/dialect"
)

// fakeDevice serves memory and can corrupt reads: bad[addr] is how many
// reads of the chunk at addr come back with a flipped bit.
type fakeDevice struct {
	base  uint64
	mem   []byte
	bad   map[uint64]int
	reads int
}

func (f *fakeDevice) ReadMemory(_ context.Context, addr uint64, dst []byte, progress func(int)) error {
	f.reads++
	copy(dst, f.mem[addr-f.base:])
	if f.bad[addr] > 0 {
		f.bad[addr]--
		dst[len(dst)/2] ^= 0x10 // a flip no line check caught
	}
	if progress != nil {
		progress(len(dst))
	}
	return nil
}

func (f *fakeDevice) Checksum(_ context.Context, addr, n uint64) (uint32, error) {
	return crc32.ChecksumIEEE(f.mem[addr-f.base : addr-f.base+n]), nil
}

func (f *fakeDevice) Algorithm() dialect.Algorithm { return dialect.CRC32 }

func (f *fakeDevice) Identity() dialect.Identity { return dialect.Identity{Dialect: "fake"} }

func (f *fakeDevice) Resync(context.Context) error { return nil }

// A fake device has no line to lose.
func (f *fakeDevice) Reconnect(context.Context) error { return errors.New("no line to reconnect") }

func newFake(n int) *fakeDevice {
	mem := make([]byte, n)
	for i := range mem {
		mem[i] = byte(i*31 + i>>8)
	}
	return &fakeDevice{base: 0x1000, mem: mem, bad: map[uint64]int{}}
}

func TestChecksumMismatchIsReadAgain(t *testing.T) {
	dev := newFake(64 << 10)
	dev.bad[0x1000+16<<10] = 2
	out := filepath.Join(t.TempDir(), "img.bin")
	job, err := Prepare(Options{Addr: 0x1000, Size: 64 << 10, ChunkSize: 16 << 10, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Run(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	// Two failures of the chunk at 16K, then its halves are read on their own.
	if res.Retries != 1 || dev.reads != 7 {
		t.Fatalf("retries %d, reads %d; want 1 and 7", res.Retries, dev.reads)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, dev.mem) {
		t.Fatal("image differs")
	}
	pieces := res.Record.Chunks
	if len(pieces) != 5 || pieces[1].Offset != 16<<10 || pieces[1].Size != 8<<10 || pieces[2].Offset != 24<<10 || pieces[2].Verified != VerifiedCRC32 {
		t.Fatalf("chunk records %+v", pieces)
	}
}

func TestUnverifiableChunkStopsTheDump(t *testing.T) {
	dev := newFake(64 << 10)
	dev.bad[0x1000+32<<10] = 100 // every read that starts at 0x9000, whatever its size
	out := filepath.Join(t.TempDir(), "img.bin")
	job, err := Prepare(Options{Addr: 0x1000, Size: 64 << 10, ChunkSize: 16 << 10, Retries: 3, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	_, err = job.Run(context.Background(), dev)
	job.Close()
	// Halved down to one line at 0x9000, which still fails every time.
	var ce *ChunkError
	if !errors.As(err, &ce) || ce.Addr != 0x1000+32<<10 || ce.Size != 16 || ce.Attempts != 4 {
		t.Fatalf("got %v, want a ChunkError for 16 bytes at 0x9000 after 4 attempts", err)
	}
	var mm *MismatchError
	if !errors.As(err, &mm) {
		t.Fatalf("%v does not carry the checksum mismatch", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an incomplete image was written")
	}
	rec, err := ReadRecord(RecordPath(out))
	if err != nil || rec.State != StateInProgress || len(rec.Chunks) != 2 {
		t.Fatalf("journal %+v, %v: want the 2 chunks before the bad one", rec, err)
	}
}

func TestResumeRereadsChunksNotOnDisk(t *testing.T) {
	dev := newFake(64 << 10)
	dev.bad[0x1000+48<<10] = 100
	out := filepath.Join(t.TempDir(), "img.bin")
	opt := Options{Addr: 0x1000, Size: 64 << 10, ChunkSize: 16 << 10, Retries: -1, Output: out}
	job, _ := Prepare(opt)
	if _, err := job.Run(context.Background(), dev); err == nil {
		t.Fatal("the bad chunk was accepted")
	}
	job.Close()
	// Damage the second chunk's data on disk behind the journal's back.
	part := out + ".bootdump.part"
	data, _ := os.ReadFile(part)
	data[20<<10] ^= 1
	os.WriteFile(part, data, 0o644)

	delete(dev.bad, 0x1000+48<<10)
	dev.reads = 0
	job, err := Prepare(opt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Run(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	if res.ChunksRead != 2 || res.Resumed != 32<<10 {
		t.Fatalf("read %d chunks, resumed %d bytes; want 2 and 32 KiB", res.ChunksRead, res.Resumed)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, dev.mem) {
		t.Fatal("image differs")
	}
}

func TestPrepareRefuses(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.bin")
	os.WriteFile(existing, []byte("x"), 0o644)
	cases := map[string]struct {
		opt  Options
		want error
	}{
		"zero size":   {Options{Addr: 0, Size: 0, Output: filepath.Join(dir, "a")}, ErrInvalid},
		"wraps":       {Options{Addr: ^uint64(0) - 10, Size: 100, Output: filepath.Join(dir, "a")}, ErrInvalid},
		"no output":   {Options{Addr: 0, Size: 16}, ErrInvalid},
		"file exists": {Options{Addr: 0, Size: 16, Output: existing}, ErrExists},
	}
	for name, c := range cases {
		if _, err := Prepare(c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	// An unfinished journal for another range is not silently discarded.
	out := filepath.Join(dir, "b.bin")
	dev := newFake(32 << 10)
	dev.bad[0x1000+16<<10] = 100
	job, _ := Prepare(Options{Addr: 0x1000, Size: 32 << 10, ChunkSize: 16 << 10, Retries: -1, Output: out})
	job.Run(context.Background(), dev)
	job.Close()
	if _, err := Prepare(Options{Addr: 0x2000, Size: 32 << 10, Output: out}); !errors.Is(err, ErrJournal) {
		t.Fatalf("got %v, want ErrJournal", err)
	}
	if _, err := Prepare(Options{Addr: 0x2000, Size: 32 << 10, Output: out, Restart: true}); err != nil {
		t.Fatalf("--restart: %v", err)
	}
}

// erasedDevice is a fakeDevice that confirms fills, or cannot.
type erasedDevice struct {
	*fakeDevice
	unsupported bool
	checks      int
}

func (e *erasedDevice) IsFilled(_ context.Context, addr, n uint64, fill byte) (bool, error) {
	e.checks++
	if e.unsupported {
		return false, fmt.Errorf("no scratch: %w", dialect.ErrUnsupported)
	}
	return bytes.Count(e.mem[addr-e.base:addr-e.base+n], []byte{fill}) == int(n), nil
}

func TestErasedChunksAndNoScratch(t *testing.T) {
	for _, unsupported := range []bool{false, true} {
		dev := &erasedDevice{fakeDevice: newFake(64 << 10), unsupported: unsupported}
		for i := 16 << 10; i < 48<<10; i++ {
			dev.mem[i] = 0xff
		}
		clear(dev.mem[48<<10:])
		out := filepath.Join(t.TempDir(), "img.bin")
		job, _ := Prepare(Options{Addr: 0x1000, Size: 64 << 10, ChunkSize: 16 << 10, Output: out})
		res, err := job.Run(context.Background(), dev)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, dev.mem) {
			t.Fatal("image differs")
		}
		want := []string{VerifiedCRC32, VerifiedErased, VerifiedErased, VerifiedErased}
		wantReads, wantChecks := 1, 3
		if unsupported {
			// Asked once, then erased chunks are simply dumped.
			want = []string{VerifiedCRC32, VerifiedCRC32, VerifiedCRC32, VerifiedCRC32}
			wantReads, wantChecks = 4, 1
		}
		for i, c := range res.Record.Chunks {
			if c.Verified != want[i] {
				t.Errorf("unsupported=%v: chunk %d %q, want %q", unsupported, i, c.Verified, want[i])
			}
		}
		if dev.reads != wantReads || dev.checks != wantChecks {
			t.Errorf("unsupported=%v: %d reads, %d fill checks; want %d and %d", unsupported, dev.reads, dev.checks, wantReads, wantChecks)
		}
	}
}

// A chunk of erased flash with a 32-byte marker in it costs one 4 KiB
// read: its 16 pieces are checked, 15 confirmed erased. A chunk full of
// data is read whole.
func TestPartlyErasedChunkIsSplit(t *testing.T) {
	dev := &erasedDevice{fakeDevice: newFake(128 << 10)}
	marker := dev.mem[64<<10+40<<10 : 64<<10+40<<10+32]
	for i := 64 << 10; i < 128<<10; i++ {
		dev.mem[i] = 0xff
	}
	copy(marker, "bootdump marker: 32 bytes long!!")
	var readSizes []int
	counting := &sizeCounter{erasedDevice: dev, sizes: &readSizes}
	out := filepath.Join(t.TempDir(), "img.bin")
	job, _ := Prepare(Options{Addr: 0x1000, Size: 128 << 10, ChunkSize: 64 << 10, Output: out})
	res, err := job.Run(context.Background(), counting)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, dev.mem) {
		t.Fatal("image differs")
	}
	if len(readSizes) != 2 || readSizes[0] != 64<<10 || readSizes[1] != 4<<10 {
		t.Fatalf("reads of %v bytes; want one of the data chunk and one 4 KiB piece", readSizes)
	}
	if len(res.Record.Chunks) != 17 || res.Verified[VerifiedErased] != 15 || dev.checks != 15 {
		t.Fatalf("%d pieces in the record, %d erased, %d fill checks; want 17, 15, 15", len(res.Record.Chunks), res.Verified[VerifiedErased], dev.checks)
	}
}

// sizeCounter notes the size of each read.
type sizeCounter struct {
	*erasedDevice
	sizes *[]int
}

func (s *sizeCounter) ReadMemory(ctx context.Context, addr uint64, dst []byte, progress func(int)) error {
	*s.sizes = append(*s.sizes, len(dst))
	return s.erasedDevice.ReadMemory(ctx, addr, dst, progress)
}
