package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// transcript dumps img from a simulated board and returns everything the
// board printed, as a terminal program would have logged it.
func transcript(t *testing.T, cfg sim.Config, args ...string) []byte {
	t.Helper()
	board := ptyBoard(t, cfg)
	dir := t.TempDir()
	log := filepath.Join(dir, "console.log")
	args = append([]string{"dump", "-p", board.Path, "-o", filepath.Join(dir, "live.bin"), "--transcript", log}, args...)
	if _, stderr, code := run(t, args...); code != 0 {
		t.Fatalf("dump: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var mdLine = regexp.MustCompile(`^([0-9a-f]{8}): `)

// TestParseMessyCapture turns a console log with every defect a real one
// has into the right bytes and the right gaps: CR/LF in every mix, colour
// codes, backspaces, prompts and echoes, boot messages between the lines,
// a range dumped twice, garbled lines and missing ones.
func TestParseMessyCapture(t *testing.T) {
	const base, size = 0x04000000, 32 << 10
	img := randomBytes(size, 41)
	raw := transcript(t, sim.Config{Image: img}, "--addr", fmt.Sprint(base), "--size", "32K", "--chunk", "4K", "--no-skip")
	lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")

	// Index the dump lines by address (the first copy of each).
	at := map[uint64]int{}
	for i, l := range lines {
		if m := mdLine.FindStringSubmatch(l); m != nil {
			a, _ := strconv.ParseUint(m[1], 16, 64)
			if _, seen := at[a]; !seen {
				at[a] = i
			}
		}
	}
	if len(at) != size/16 {
		t.Fatalf("the transcript has %d dump lines, want %d", len(at), size/16)
	}
	garble := func(a uint64) {
		l := []byte(lines[at[a]])
		l[12] = 'g' // a hex digit the line noise turned into a letter
		lines[at[a]] = string(l)
	}
	// Garbled, and not dumped again: a gap of one line.
	garble(base + 0x1230)
	// Three lines lost (a buffer overrun in the terminal program): a gap.
	for _, a := range []uint64{base + 0x4000, base + 0x4010, base + 0x4020} {
		lines[at[a]] = ""
	}
	// A line whose address digit flipped: it parses, but follows nothing.
	{
		l := []byte(lines[at[base+0x5550]])
		l[3] = '5'
		lines[at[base+0x5550]] = string(l)
	}
	// The range 0x6000..0x6200 dumped again at the end, where the first
	// copy has a garbled line: the second copy covers it, no gap.
	garble(base + 0x6100)
	var again []string
	again = append(again, "=> md.b 0x04006000 0x200")
	for a := uint64(base + 0x6000); a < base+0x6200; a += 16 {
		again = append(again, lines[at[a]])
	}
	// The second copy carries the true bytes of 0x6100, as md.b shows them.
	again[1+0x10] = fmt.Sprintf("%08x:%s", base+0x6100, mdBytes(img[0x6100:0x6110]))

	// The mess a terminal log carries.
	rng := rand.New(rand.NewPCG(7, 7))
	var out bytes.Buffer
	out.WriteString("=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.11.26 10:00:00 =~=~=~=~=~=~=~=~=~=~=~=\r\n")
	ends := []string{"\r\n", "\n", "\n\r", "\r\r\n"}
	for i, l := range append(lines, again...) {
		switch {
		case i%97 == 5:
			out.WriteString("\x1b[1;32m" + l + "\x1b[0m")
		case i%89 == 7 && len(l) > 20:
			out.WriteString(l[:20] + "X\b" + l[20:]) // a typed-and-erased character
		default:
			out.WriteString(l)
		}
		out.WriteString(ends[rng.IntN(len(ends))])
		if i%151 == 3 {
			out.WriteString("[   12.345678] random: crng init done\r\n\x1b[0;33mWARNING\x1b[0m: eth0: link up\r\n")
		}
	}
	dir := t.TempDir()
	capPath := writeFile(t, filepath.Join(dir, "putty.log"), out.Bytes())

	wantGaps := []dump.Range{{Addr: base + 0x1230, Size: 16}, {Addr: base + 0x4000, Size: 48}, {Addr: base + 0x5550, Size: 16}}
	// Without --fill: the gaps are listed, nothing is written.
	outPath := filepath.Join(dir, "flash.bin")
	_, stderr, code := run(t, "parse", capPath, "-o", outPath)
	if code != 1 {
		t.Fatalf("parse with gaps: exit %d: %s", code, stderr)
	}
	for _, g := range wantGaps {
		if !strings.Contains(stderr, "gap: "+g.String()) {
			t.Fatalf("parse does not list the gap %v:\n%s", g, stderr)
		}
	}
	if n := strings.Count(stderr, "gap: "); n != len(wantGaps) {
		t.Fatalf("%d gaps listed, want %d:\n%s", n, len(wantGaps), stderr)
	}
	noFile(t, outPath)

	// With --fill: the image, gaps filled with 0xff, and a record that
	// lists them.
	_, stderr, code = run(t, "parse", capPath, "-o", outPath, "--fill")
	if code != 0 {
		t.Fatalf("parse --fill: exit %d: %s", code, stderr)
	}
	want := bytes.Clone(img)
	for _, g := range wantGaps {
		for i := g.Addr - base; i < g.Addr-base+g.Size; i++ {
			want[i] = 0xff
		}
	}
	sameFile(t, outPath, want)
	rec, err := dump.ReadRecord(dump.RecordPath(outPath))
	if err != nil || rec.GapFill != "0xff" || fmt.Sprint(rec.Gaps) != fmt.Sprint(wantGaps) || uint64(rec.Addr) != base || rec.Capture != capPath {
		t.Fatalf("record %+v, %v", rec, err)
	}

	// The untouched transcript needs no fill: the bytes are the device's.
	clean := writeFile(t, filepath.Join(dir, "clean.log"), raw)
	if _, stderr, code = run(t, "parse", clean, "-o", filepath.Join(dir, "clean.bin")); code != 0 {
		t.Fatalf("parse of a clean log: exit %d: %s", code, stderr)
	}
	sameFile(t, filepath.Join(dir, "clean.bin"), img)
}

// mdBytes formats 16 bytes as md.b's units and ASCII column.
func mdBytes(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, " %02x", c)
	}
	s.WriteString("  ")
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		s.WriteByte(c)
	}
	return s.String()
}

// TestParseWinbondCapture: the seed's console log format (LF CR line ends,
// bracketed addresses) parsed with --dialect winbond and with auto.
func TestParseWinbondCapture(t *testing.T) {
	img := randomBytes(16<<10, 42)
	raw := transcript(t, sim.Config{Dialect: "winbond", Image: img}, "--addr", "0x7f000000", "--size", "16K")
	dir := t.TempDir()
	capPath := writeFile(t, filepath.Join(dir, "minicom.cap"), raw)
	for _, d := range []string{"winbond", "auto"} {
		out := filepath.Join(dir, d+".bin")
		if _, stderr, code := run(t, "parse", capPath, "-o", out, "--dialect", d); code != 0 {
			t.Fatalf("%s: exit %d: %s", d, code, stderr)
		}
		// D prints 256 bytes whatever is asked: the log holds the range.
		sameFile(t, out, img[:16<<10])
	}
}

// TestParseCutOffLog: a log that stops in the middle of an md says what the
// md asked for and the log lacks, and writes nothing without --fill.
func TestParseCutOffLog(t *testing.T) {
	dir := t.TempDir()
	log := "=> md.b 0x04000000 0x40\r\n" +
		"04000000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\r\n" +
		"04000010: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................\r\n0400"
	path := writeFile(t, filepath.Join(dir, "cut.log"), []byte(log))
	out := filepath.Join(dir, "cut.bin")
	_, stderr, code := run(t, "parse", path, "-o", out)
	if code != 1 || !strings.Contains(stderr, "cut off: the log's md asked for 0x4000020..0x400003f (32 bytes) more, past its last line") ||
		!strings.Contains(stderr, "(uboot, little-endian)") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	noFile(t, out)
	if _, stderr, code = run(t, "parse", path, "-o", out, "--fill"); code != 0 {
		t.Fatalf("--fill: exit %d: %s", code, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() != 0x40 {
		t.Fatalf("--fill wrote %v, %v; want 64 bytes", st, err)
	}
}
