package identify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// fuzzDetector checks one detector on any input: it must not panic or hang,
// and what it reports must lie inside the data, children inside parents.
// The seeds are small images made by the real tools (testdata/make-seeds.sh).
func fuzzDetector(f *testing.F, d Detector) {
	for _, name := range seedNames(d) {
		seed, err := os.ReadFile(filepath.Join("testdata", "seeds", name+".bin"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	for _, m := range d.Magics() {
		f.Add(m)
		f.Add(append(bytes.Repeat([]byte{0xFF}, 64), append(m, make([]byte, 200)...)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		n := int64(len(data))
		for _, m := range d.Magics() {
			if at := bytes.Index(data, m); at >= 0 {
				if fd := d.Check(r, int64(at), n); fd != nil {
					checkFinding(t, *fd, 0, n)
				}
			}
		}
		rep, err := Scan(context.Background(), r, n, Options{Detectors: []Detector{d}})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range rep.Findings {
			checkFinding(t, fd, 0, n)
		}
	})
}

// seedNames are the seed files of a detector: named after its type, and
// the device tree detector also reads FITs.
func seedNames(d Detector) []string {
	if d.Type() == "fdt" {
		return []string{"fdt", "fit"}
	}
	return []string{d.Type()}
}

// Each seed, made by the real tool, is found whole and sound: the fuzz
// targets start from real images.
func TestSeedsAreFound(t *testing.T) {
	for _, d := range Detectors() {
		for _, name := range seedNames(d) {
			data, err := os.ReadFile(filepath.Join("testdata", "seeds", name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Scan(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) == 0 || rep.Findings[0].Offset != 0 || rep.Findings[0].Type != name ||
				rep.Findings[0].Verdict == Damaged {
				t.Errorf("seed %s: %+v", name, rep.Findings)
			}
		}
	}
}

func checkFinding(t *testing.T, f Finding, from, to int64) {
	t.Helper()
	if f.Offset < from || f.Length <= 0 || f.End() > to {
		t.Fatalf("%s at 0x%x, %d bytes: outside 0x%x..0x%x", f.Type, f.Offset, f.Length, from, to)
	}
	if f.Verdict != OK && f.Verdict != Damaged && f.Verdict != Unverifiable && f.Verdict != Cut {
		t.Fatalf("%s: verdict %q", f.Type, f.Verdict)
	}
	if (f.Verdict == Damaged || f.Verdict == Cut) && f.Reason == "" {
		t.Fatalf("%s %s without a reason", f.Type, f.Verdict)
	}
	for _, c := range f.Children {
		checkFinding(t, c, f.Offset, f.End())
	}
}

func FuzzUImage(f *testing.F)   { fuzzDetector(f, uimageDetector{}) }
func FuzzFDT(f *testing.F)      { fuzzDetector(f, fdtDetector{}) }
func FuzzGzip(f *testing.F)     { fuzzDetector(f, gzipDetector{}) }
func FuzzXZ(f *testing.F)       { fuzzDetector(f, xzDetector{}) }
func FuzzLZMA(f *testing.F)     { fuzzDetector(f, lzmaDetector{}) }
func FuzzSquashfs(f *testing.F) { fuzzDetector(f, squashfsDetector{}) }
func FuzzRomfs(f *testing.F)    { fuzzDetector(f, romfsDetector{}) }
func FuzzCramfs(f *testing.F)   { fuzzDetector(f, cramfsDetector{}) }
func FuzzJFFS2(f *testing.F)    { fuzzDetector(f, jffs2Detector{}) }
func FuzzUBI(f *testing.F)      { fuzzDetector(f, ubiDetector{}) }
func FuzzUBootEnv(f *testing.F) { fuzzDetector(f, envDetector{}) }
func FuzzELF(f *testing.F)      { fuzzDetector(f, elfDetector{}) }
func FuzzUBoot(f *testing.F)    { fuzzDetector(f, ubootDetector{}) }
