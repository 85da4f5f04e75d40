package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// TestSoak runs seeded dumps of 128 KiB from a simulated board whose line
// flips, drops and duplicates bytes, prints foreign lines, stalls, resets
// the board and drops the connection, at rates where most chunks fail at
// least once. Every run must end with a byte-identical image or a clear
// error; none may end with a wrong image reported as good. It prints a
// table of what happened (go test -v). BOOTDUMP_SOAK_RUNS changes the
// number of runs (default 100).
func TestSoak(t *testing.T) {
	runs := 100
	if s := os.Getenv("BOOTDUMP_SOAK_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	var (
		mu    sync.Mutex
		total sim.FaultCounts
		sum   struct{ ok, failed, wrong, retries, resets, reconnects, chunks, failedOnce int }
		errs  []string
	)
	t.Run("runs", func(t *testing.T) {
		for i := range runs {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				faults, counts, r, err := soakRun(t, uint64(i+1))
				mu.Lock()
				defer mu.Unlock()
				total.Flips += counts.Flips
				total.Drops += counts.Drops
				total.Dups += counts.Dups
				total.Noise += counts.Noise
				total.Stalls += counts.Stalls
				total.Resets += counts.Resets
				total.Closes += counts.Closes
				switch {
				case err == errWrongImage:
					sum.wrong++
					t.Errorf("seed %d (%s): a wrong image was reported as good", i+1, faults)
				case err != nil:
					sum.failed++
					errs = append(errs, fmt.Sprintf("seed %d: %v", i+1, err))
				default:
					sum.ok++
					sum.retries += r.Retries
					sum.resets += r.Resets
					sum.reconnects += r.Reconnects
					sum.chunks += 8
					sum.failedOnce += r.FailedOnce
				}
			})
		}
	})
	t.Logf("soak: %d runs of 128 KiB", runs)
	t.Logf("  identical images      %4d", sum.ok)
	t.Logf("  clear errors          %4d", sum.failed)
	t.Logf("  wrong images          %4d (must be 0)", sum.wrong)
	t.Logf("  faults injected: %d bit flips, %d dropped bytes, %d duplicated bytes, %d foreign lines, %d stalls, %d resets, %d dropped connections",
		total.Flips, total.Drops, total.Dups, total.Noise, total.Stalls, total.Resets, total.Closes)
	t.Logf("  in the good runs: %d of %d chunks failed at least once; %d retries, %d resets survived, %d reconnects",
		sum.failedOnce, sum.chunks, sum.retries, sum.resets, sum.reconnects)
	for _, e := range errs {
		t.Logf("  error: %s", e)
	}
	if sum.wrong > 0 {
		t.Fatalf("%d wrong images reported as good", sum.wrong)
	}
	if sum.ok < runs*9/10 {
		t.Fatalf("only %d of %d runs ended with an image", sum.ok, runs)
	}
}

var errWrongImage = fmt.Errorf("wrong image reported as good")

type soakResult struct {
	Retries, Resets, Reconnects int
	FailedOnce                  int // chunks that needed more than one try
}

// soakRun dumps once from a board with a random mix of faults drawn from seed.
func soakRun(t *testing.T, seed uint64) (string, sim.FaultCounts, soakResult, error) {
	rng := rand.New(rand.NewPCG(seed, 99))
	f := sim.Faults{
		Seed:     seed,
		Flip:     rng.Float64() * 1.2e-5,
		Drop:     rng.Float64() * 0.6e-5,
		Dup:      rng.Float64() * 0.6e-5,
		Noise:    rng.Float64() * 1e-3,
		Stall:    rng.Float64() * 1e-4,
		StallFor: 1500 * time.Millisecond,
	}
	if rng.IntN(3) > 0 {
		f.ResetAfter = 250_000 + rng.Int64N(500_000)
	}
	if rng.IntN(3) > 0 {
		f.CloseAfter = 200_000 + rng.Int64N(500_000)
	}
	desc := fmt.Sprintf("%+v", f)
	img := randomBytes(128<<10, seed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	var board *sim.Board
	// Every fifth board has no crc32: chunks are read twice and compared.
	noCRC := seed%5 == 0
	if noCRC {
		desc += " without crc32"
	}
	go sim.ListenTCP(ctx, "127.0.0.1:0", sim.Config{Image: img, Faults: &f, NoCRC32: noCRC}, func(a net.Addr, b *sim.Board) {
		board = b
		ready <- "tcp://" + a.String()
	})
	port := <-ready
	out := filepath.Join(t.TempDir(), "soak.bin")
	stdout, stderr, code := run(t, "dump", "-p", port, "--addr", "0x04000000", "--size", "128K", "--chunk", "16K",
		"-o", out, "--json", "--idle-timeout", "1s", "--sync-timeout", "15s", "--reconnect-timeout", "20s", "--retries", "8")
	counts := board.Faults()
	if code != 0 {
		last := lastLine(stderr)
		if !strings.HasPrefix(last, "bootdump: ") {
			t.Errorf("seed %d: exit %d without a clear error: %q", seed, code, last)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("seed %d: failed, but left %s", seed, out)
		}
		return desc, counts, soakResult{}, fmt.Errorf("%s", last)
	}
	got, err := os.ReadFile(out)
	if err != nil || string(got) != string(img) {
		return desc, counts, soakResult{}, errWrongImage
	}
	res := parseResult(t, stdout)
	r := soakResult{Retries: res.Retries, Resets: res.Resets, Reconnects: res.Reconnects}
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	tries := map[uint64]int{} // planned chunk -> pieces and extra attempts
	for _, c := range rec.Chunks {
		tries[c.Offset/(16<<10)] += c.Attempts
	}
	for _, n := range tries {
		if n > 1 {
			r.FailedOnce++
		}
	}
	return desc, counts, r, nil
}
