package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// interruptAfter runs a dump in its own process and kills it (SIGKILL)
// once n chunks are reported verified, leaving a journal.
func interruptAfter(t *testing.T, args []string, n int) {
	t.Helper()
	cmd, sc := startDump(t, append(args, "-v"))
	verified := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), "chunk verified") {
			if verified++; verified == n {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if verified != n {
		t.Fatalf("the first run ended after %d verified chunks, before it could be killed", verified)
	}
}

// TestResumeOnAnotherBoard interrupts a dump on board A and resumes it on
// board B, whose flash differs in two of the chunks A's run kept: the
// image is B's exactly, those two are read again and named in the record,
// and the summary counts honestly.
func TestResumeOnAnotherBoard(t *testing.T) {
	const chunk = 16 << 10
	a := randomBytes(256<<10, 51)
	b := bytes.Clone(a)
	for _, c := range []int{1, 3, 12} {
		copy(b[c*chunk+100:], "reflashed since")
	}
	out := filepath.Join(t.TempDir(), "flash.bin")
	args := func(path string) []string {
		return []string{"dump", "-p", path, "-b", "3000000", "--addr", "0x04000000", "--size", "256K", "--chunk", "16K", "-o", out, "--json"}
	}
	boardA := ptyBoard(t, sim.Config{Image: a, Baud: 3_000_000})
	interruptAfter(t, args(boardA.Path), 5)
	boardA.Close()

	boardB := ptyBoard(t, sim.Config{Image: b, Baud: 3_000_000})
	stdout, stderr, code := run(t, args(boardB.Path)...)
	if code != 0 {
		t.Fatalf("resume on board B: exit %d: %s", code, stderr)
	}
	sameFile(t, out, b)
	r := parseResult(t, stdout)
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil {
		t.Fatal(err)
	}
	if want := []dump.Hex{1 * chunk, 3 * chunk}; !slices.Equal(rec.Reread, want) || r.ChunksReread != 2 {
		t.Fatalf("record reread %v, summary %d; want %v", rec.Reread, r.ChunksReread, want)
	}
	if !strings.Contains(stderr, "chunk 0x4004000..0x4007fff changed on the device since the interrupted run: read again") {
		t.Fatalf("no word of the changed chunk:\n%s", stderr)
	}
	// The re-read chunks are read in this run like the rest.
	if r.ChunksResumed+r.ChunksRead != 16 || r.ChunksResumed < 3 || r.ChunksRead < r.ChunksReread {
		t.Fatalf("resumed %d, re-read %d, read %d of 16 chunks", r.ChunksResumed, r.ChunksReread, r.ChunksRead)
	}
}

// TestResumeWithoutChecksum: a board without crc32 cannot prove kept chunks
// by a checksum. Another board (another MAC address) is refused with one
// sentence and no image; the same board, reflashed, has its kept chunks
// read again and compared, the changed one re-read.
func TestResumeWithoutChecksum(t *testing.T) {
	const chunk = 16 << 10
	a := randomBytes(128<<10, 52)
	b := bytes.Clone(a)
	copy(b[chunk+7:], "reflashed since")
	out := filepath.Join(t.TempDir(), "flash.bin")
	args := func(path string) []string {
		return []string{"dump", "-p", path, "-b", "3000000", "--addr", "0x04000000", "--size", "128K", "--chunk", "16K", "-o", out, "--json"}
	}
	boardA := ptyBoard(t, sim.Config{Image: a, Baud: 3_000_000, NoCRC32: true, Ethaddr: "52:54:00:12:34:0a"})
	interruptAfter(t, args(boardA.Path), 3)
	boardA.Close()

	other := ptyBoard(t, sim.Config{Image: b, Baud: 3_000_000, NoCRC32: true, Ethaddr: "52:54:00:12:34:0b"})
	_, stderr, code := run(t, args(other.Path)...)
	if code != 1 || !strings.Contains(stderr, "written from another device") || !strings.Contains(stderr, "--restart") {
		t.Fatalf("resume on another board without a checksum: exit %d: %s", code, stderr)
	}
	noFile(t, out)
	other.Close()

	reflashed := ptyBoard(t, sim.Config{Image: b, Baud: 3_000_000, NoCRC32: true, Ethaddr: "52:54:00:12:34:0a"})
	stdout, stderr, code := run(t, args(reflashed.Path)...)
	if code != 0 {
		t.Fatalf("resume on the reflashed board: exit %d: %s", code, stderr)
	}
	sameFile(t, out, b)
	if r := parseResult(t, stdout); r.ChunksReread != 1 {
		t.Fatalf("re-read %d chunks, want 1 (the one that changed)", r.ChunksReread)
	}
}

// TestSecondBootdumpOnLockedPort: while one bootdump dumps, a second one
// on the same port is refused with one sentence naming the holder; the
// first goes on undisturbed.
func TestSecondBootdumpOnLockedPort(t *testing.T) {
	writable := false
	for _, dir := range console.LockDirs {
		if f, err := os.CreateTemp(dir, "bootdump-test-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			writable = true
		}
	}
	if !writable {
		t.Skip("no lock folder this user may write (" + strings.Join(console.LockDirs, ", ") + "): the exclusive open alone guards the port")
	}
	img := randomBytes(256<<10, 53)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 115200})
	out := filepath.Join(t.TempDir(), "flash.bin")
	first, sc := startDump(t, []string{"dump", "-p", board.Path, "--addr", "0x04000000", "--size", "256K", "-o", out})
	defer func() {
		first.Process.Kill()
		first.Wait()
	}()
	for sc.Scan() && !strings.Contains(sc.Text(), "found U-Boot") {
	}
	_, stderr, code := run(t, "info", "-p", board.Path)
	want := fmt.Sprintf("%s is in use by process %d (bootdump)", board.Path, first.Process.Pid)
	if code != 1 || !strings.Contains(stderr, "\nbootdump: "+want) || strings.Count(stderr, "bootdump: ") != 1 {
		t.Fatalf("second bootdump: exit %d: %q, want one sentence with %q", code, stderr, want)
	}
}
