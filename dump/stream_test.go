package dump

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeStreamer is a fakeDevice whose reads can run over many chunks in
// one stream of 4 KiB blocks. flipAt damages the byte at that address in
// the first stream that carries it (one no block check caught); cutAt
// ends the first stream that reaches it, as a lost line would.
type fakeStreamer struct {
	*fakeDevice
	streams       [][2]uint64 // each stream's address and length
	flipAt, cutAt uint64
}

func (f *fakeStreamer) Stream(_ context.Context, addr, n uint64, take func([]byte) error) error {
	f.streams = append(f.streams, [2]uint64{addr, n})
	for at := addr; at < addr+n; at += 4 << 10 {
		if at == f.cutAt {
			f.cutAt = 0
			return errors.New("the reader went silent")
		}
		block := bytes.Clone(f.mem[at-f.base : min(at+4<<10, addr+n)-f.base])
		if f.flipAt >= at && f.flipAt < at+uint64(len(block)) {
			block[f.flipAt-at] ^= 0x10
			f.flipAt = 0
		}
		if err := take(block); err != nil {
			return err
		}
	}
	return nil
}

func streamJob(t *testing.T, dev *fakeStreamer) (*Result, []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "img.bin")
	job, err := Prepare(Options{Addr: dev.base, Size: uint64(len(dev.mem)), ChunkSize: 16 << 10, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	res, err := job.Run(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, dev.mem) {
		t.Fatal("image differs")
	}
	return res, got
}

// TestStreamReadsTheRunOnce: a reader that streams reads every chunk in
// one run after the survey, each checked against the survey's checksum,
// and the record tells the erased blocks (a chunk's middle of 0xff, a
// whole chunk of 0x00) apart from the data.
func TestStreamReadsTheRunOnce(t *testing.T) {
	dev := &fakeStreamer{fakeDevice: newFake(128 << 10)}
	for i := 20 << 10; i < 28<<10; i++ {
		dev.mem[i] = 0xff
	}
	clear(dev.mem[32<<10 : 48<<10])
	res, _ := streamJob(t, dev)
	if len(dev.streams) != 1 || dev.streams[0] != [2]uint64{dev.base, 128 << 10} || dev.reads != 0 {
		t.Fatalf("streams %v and %d reads; want one stream of it all", dev.streams, dev.reads)
	}
	var erased []Chunk
	for _, c := range res.Record.Chunks {
		if c.Erased {
			erased = append(erased, c)
		}
		if c.Verified != VerifiedCRC32 || c.Attempts != 1 {
			t.Fatalf("chunk %+v: want verified by crc32 on the first attempt", c)
		}
	}
	if len(erased) != 2 || erased[0].Offset != 20<<10 || erased[0].Size != 8<<10 || erased[1].Offset != 32<<10 || erased[1].Size != 16<<10 {
		t.Fatalf("erased pieces %+v; want 8 KiB at 20K and 16 KiB at 32K", erased)
	}
	if len(res.Record.Chunks) != 8+2 {
		t.Fatalf("%d pieces, want the 8 chunks with the one at 16K in three", len(res.Record.Chunks))
	}
}

// TestStreamStopsAndGoesOn: a chunk damaged in the stream, and a stream
// cut off, each stop the stream; the chunks before stay kept, the
// damaged one is read again (its checksum asked again), and the rest is
// streamed again from there.
func TestStreamStopsAndGoesOn(t *testing.T) {
	dev := &fakeStreamer{fakeDevice: newFake(128 << 10)}
	dev.flipAt = dev.base + 40<<10 + 5
	dev.cutAt = dev.base + 100<<10
	res, _ := streamJob(t, dev)
	want := [][2]uint64{{dev.base, 128 << 10}, {dev.base + 48<<10, 80 << 10}, {dev.base + 96<<10, 32 << 10}}
	if len(dev.streams) != len(want) || dev.streams[0] != want[0] || dev.streams[1] != want[1] || dev.streams[2] != want[2] {
		t.Fatalf("streams %x, want %x", dev.streams, want)
	}
	if dev.reads != 1 || res.Retries != 2 {
		t.Fatalf("%d reads and %d retries; want the damaged chunk read once on its own and 2 retries", dev.reads, res.Retries)
	}
}
