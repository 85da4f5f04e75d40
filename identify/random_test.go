package identify_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/bootdump/bootdump/identify"
)

func randomImage(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	img := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			img[i+j] = byte(v >> (8 * j))
		}
	}
	return img
}

// Random data holds chance matches of the short magics (the two bytes of
// JFFS2, the three of gzip and LZMA); none may become a finding. Every
// magic is also planted a thousand times at random offsets.
func TestRandomDataReportsNothing(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		img := randomImage(16<<20, seed)
		rng := rand.New(rand.NewPCG(seed, 0))
		for _, d := range identify.Detectors() {
			for _, m := range d.Magics() {
				for range 1000 {
					copy(img[rng.IntN(len(img)-len(m)):], m)
				}
			}
		}
		rep := scan(t, img)
		if len(rep.Findings) != 0 {
			t.Errorf("random data, seed %d:\n%s", seed, describe(rep.Findings, ""))
		}
	}
}

// BenchmarkScanRandom256MiB scans 256 MiB of random data from a file, the
// worst case for the search (chance magic hits everywhere, nothing to
// skip), and fails if it reports anything.
func BenchmarkScanRandom256MiB(b *testing.B) {
	const size = 256 << 20
	path := filepath.Join(b.TempDir(), "random.img")
	if err := os.WriteFile(path, randomImage(size, 42), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		rep, err := identify.Scan(context.Background(), f, size, identify.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			b.Fatalf("random data: %d findings, the first %s at 0x%x", len(rep.Findings), rep.Findings[0].Type, rep.Findings[0].Offset)
		}
	}
}
