package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// BenchmarkEfficiency115200 dumps 64 KiB of incompressible data from the
// simulator paced at 115200 baud and reports DESIGN.md's efficiency: the
// time the md format needs at line rate over the wall time taken, chunk
// commands and crc32 verification included. Run it with
//
//	go test ./internal/e2e -run - -bench Efficiency -benchtime 1x
func BenchmarkEfficiency115200(b *testing.B) {
	const (
		baud = 115200
		size = 64 << 10
		base = 0x04000000
	)
	port, err := sim.Pipe(sim.UBootConfig{Image: randomBytes(size, 7), Baud: baud, BootDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	con := console.New(port, console.Options{})
	defer con.Close()
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := con.Sync(sctx); err != nil {
		b.Fatal(err)
	}
	sess, err := uboot.Open(ctx, con, uboot.Options{Addr: base, Size: size})
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "flash.bin")
	var wall time.Duration
	runs := 0
	b.ResetTimer()
	for b.Loop() {
		job, err := dump.Prepare(dump.Options{Addr: base, Size: size, Output: out, Force: true, Restart: true})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := job.Run(ctx, sess); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		runs++
		job.Close()
	}
	lineTime := float64(size/16*sess.LineChars(base)) / (baud / 10)
	perRun := wall.Seconds() / float64(runs)
	b.ReportMetric(lineTime/perRun, "efficiency")
	b.ReportMetric(size/perRun, "bytes/s")
}
