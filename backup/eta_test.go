package backup_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// TestETA: on a paced line, with data where firmware has it (a bootloader
// and kernel at the start, a file system in the middle, a little near the
// end) and erased flash between, every estimate from the middle of the
// dump on is within 25% of the time that was really left, up to the last
// tenth, where one chunk decides.
func TestETA(t *testing.T) {
	if testing.Short() {
		t.Skip("paced at 460800 baud: ~10 s")
	}
	const chunk, size = 4 << 10, 384 << 10
	flash := bytes.Repeat([]byte{0xff}, size)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, data := range [][2]int{{0, 20}, {48, 53}, {80, 84}} { // in chunks
		for i := data[0] * chunk; i < data[1]*chunk; i++ {
			flash[i] = byte(rng.Uint32())
		}
	}
	type sample struct {
		at       time.Time
		done     uint64
		estimate time.Duration
	}
	var mu sync.Mutex
	var samples []sample
	out := filepath.Join(t.TempDir(), "flash.bin")
	job, err := backup.PrepareDump(backup.DumpOptions{Addr: 0x04000000, Size: size, ChunkSize: chunk, Output: out, Reader: backup.ReadDump,
		Progress: func(p dump.Progress) {
			if eta, ok := p.ETA(); ok && p.Done < p.Total {
				mu.Lock()
				samples = append(samples, sample{time.Now(), p.Done, eta})
				mu.Unlock()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	ctx := context.Background()
	dev, err := backup.Connect(ctx, backup.Connection{
		Baud: 460800,
		Dial: func(context.Context) (console.Port, error) {
			return sim.Pipe(sim.Config{Image: flash, Baud: 460800, BootDelay: -1})
		},
	}, dialect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(ctx)
	if _, err := job.Run(ctx, dev); err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	mu.Lock()
	defer mu.Unlock()
	took := end.Sub(samples[0].at)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, flash) {
		t.Fatal("the image differs from the flash")
	}
	checked := 0
	for _, s := range samples {
		left := end.Sub(s.at)
		if s.done < size/2 || left < took/10 {
			continue // the first half learns; in the last tenth, one chunk's kind decides
		}
		checked++
		if off := (s.estimate - left).Abs(); off > left/4 {
			t.Errorf("at %d of %d bytes the ETA said %v, and %v was left (%.0f%% off)", s.done, size, s.estimate.Round(10*time.Millisecond),
				left.Round(10*time.Millisecond), 100*off.Seconds()/left.Seconds())
		}
	}
	if checked < 10 {
		t.Fatalf("only %d estimates from the middle on", checked)
	}
	t.Logf("%d estimates from the middle on, all within 25%%; the dump took %v", checked, took.Round(time.Millisecond))
}
