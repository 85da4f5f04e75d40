package dump_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/dialecttest"
	"github.com/bootdump/bootdump/dump"
)

// The engine's recovery paths, on a fake board (package dialecttest)
// whose faults strike reads at given addresses: a board that resets, a
// line that is lost, lines damaged on the way, bytes flipped past every
// line check. The image is identical, and what was survived is counted.

const base = 0x1000

func pattern() []byte {
	m := make([]byte, 256<<10)
	for i := range m {
		m[i] = byte(i*13 + i>>8)
	}
	return m
}

// run dumps the fake's memory into a buffer (a writer: no journal).
func run(t *testing.T, s *dialecttest.Session, opt dump.Options) (*dump.Result, []byte, error) {
	t.Helper()
	buf := make([]byte, 256<<10)
	opt.Addr, opt.Size, opt.To = base, uint64(len(buf)), dump.Memory(buf)
	job, err := dump.Prepare(opt)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	res, err := job.Run(context.Background(), s)
	return res, buf, err
}

func TestEngineRecovers(t *testing.T) {
	chunk2 := uint64(base + 2*(64<<10))
	for _, tc := range []struct {
		name   string
		faults dialecttest.Faults
		check  func(*dump.Result, dialecttest.Counts) bool
	}{
		{"reset", dialecttest.Faults{Reset: map[uint64]int{chunk2: 1}},
			func(r *dump.Result, c dialecttest.Counts) bool { return r.Resets == 1 && c.Resyncs == 1 }},
		{"lost line", dialecttest.Faults{Drop: map[uint64]int{chunk2: 1}},
			func(r *dump.Result, c dialecttest.Counts) bool { return r.Reconnects == 1 && c.Reconnects == 1 }},
		// A damaged line leaves the console in step: no resync.
		{"garbled", dialecttest.Faults{Garble: map[uint64]int{chunk2: 1}},
			func(r *dump.Result, c dialecttest.Counts) bool { return r.Retries == 1 && c.Resyncs == 0 }},
		{"flipped", dialecttest.Faults{Flip: map[uint64]int{chunk2: 1}},
			func(r *dump.Result, c dialecttest.Counts) bool { return r.Retries == 1 && c.Resyncs == 0 }},
		// Two failures in a row: the chunk is read in halves (the second
		// attempt is the one retry).
		{"halved", dialecttest.Faults{Garble: map[uint64]int{chunk2: 2}},
			func(r *dump.Result, c dialecttest.Counts) bool {
				n := 0
				for _, ch := range r.Record.Chunks {
					if ch.Offset >= 2*(64<<10) && ch.Offset < 3*(64<<10) {
						n++
					}
				}
				return n == 2 && r.Retries == 1
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := pattern()
			s := dialecttest.NewSession(base, mem)
			s.Faults = tc.faults
			res, got, err := run(t, s, dump.Options{NoSkip: true})
			if err != nil || !bytes.Equal(got, mem) || !tc.check(res, s.Counts()) {
				t.Fatalf("err %v, identical %v, result %+v, asked %+v", err, bytes.Equal(got, mem), res, s.Counts())
			}
		})
	}
}

// A board that resets whenever a range is read, in halves down to a
// single line too: the range is probably outside its memory map, and the
// dump says so.
func TestEngineGivesUpOnARangeThatResets(t *testing.T) {
	s := dialecttest.NewSession(base, pattern())
	s.Faults.Reset = map[uint64]int{base + 64<<10: 1000}
	_, _, err := run(t, s, dump.Options{NoSkip: true})
	if err == nil || !strings.Contains(err.Error(), "outside its memory map") {
		t.Fatalf("err %v", err)
	}
}

// A line that cannot be opened again (a session on a port its caller
// opened) ends the dump at once, not after the reconnect timeout.
func TestEngineCannotRedial(t *testing.T) {
	s := dialecttest.NewSession(base, pattern())
	s.Faults = dialecttest.Faults{Drop: map[uint64]int{base: 1}, NoRedial: true}
	start := time.Now()
	_, _, err := run(t, s, dump.Options{NoSkip: true, ReconnectTimeout: time.Minute})
	if !errors.Is(err, dialect.ErrCannotRedial) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

// Erased chunks are confirmed on the device, not read; the others are
// read and each proved by the device's checksum.
func TestEngineSkipsErased(t *testing.T) {
	mem := pattern()
	for i := 64 << 10; i < 192<<10; i++ {
		mem[i] = 0xff
	}
	s := dialecttest.NewSession(base, mem)
	res, got, err := run(t, s, dump.Options{})
	if err != nil || !bytes.Equal(got, mem) || res.Verified[dump.VerifiedErased] != 2 || res.Verified[dump.VerifiedCRC32] != 2 {
		t.Fatalf("err %v, verified %v", err, res.Verified)
	}
}
