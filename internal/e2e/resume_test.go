package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/sim"
)

// startDump runs bootdump in its own process and returns a scanner of
// what it logs (with -v, a line for each chunk verified).
func startDump(t *testing.T, args []string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(stderr)
}

// TestResumeAfterSIGKILL kills a dump halfway (SIGKILL: no chance to
// clean up), then runs the same command again: it continues from the
// journal, re-reads at most the chunk that was in flight, and the image is
// identical.
func TestResumeAfterSIGKILL(t *testing.T) {
	const (
		size   = 256 << 10
		chunk  = 16 << 10
		chunks = size / chunk
	)
	img := randomBytes(size, 42)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 3_000_000})
	out := filepath.Join(t.TempDir(), "flash.bin")
	args := []string{"dump", "-p", board.Path, "-b", "3000000", "--addr", "0x04000000", "--size", "256K",
		"--chunk", "16K", "-o", out, "--json", "-v"}

	cmd, sc := startDump(t, args)
	// Kill it as soon as half the chunks are reported verified.
	verified := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), "chunk verified") {
			if verified++; verified == chunks/2 {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if verified != chunks/2 {
		t.Fatalf("the first run ended after %d verified chunks, before it could be killed", verified)
	}
	noFile(t, out)
	rec, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil || rec == nil || rec.State != dump.StateInProgress {
		t.Fatalf("journal after SIGKILL: %+v, %v", rec, err)
	}
	if len(rec.Chunks) < verified {
		t.Fatalf("the journal holds %d chunks, but %d were reported verified", len(rec.Chunks), verified)
	}

	var stdout, errOut bytes.Buffer
	again := exec.Command(binary, args...)
	again.Stdout, again.Stderr = &stdout, &errOut
	if err := again.Run(); err != nil {
		t.Fatalf("resumed dump: %v: %s", err, errOut.String())
	}
	sameFile(t, out, img)
	r := parseResult(t, stdout.String())
	// Everything the first run reported verified is kept; of the rest only
	// the chunk in flight at the kill can have been read twice.
	if r.ChunksRead > chunks-verified {
		t.Fatalf("the resumed dump read %d chunks; at most %d were left", r.ChunksRead, chunks-verified)
	}
	if r.BytesResumed != uint64(chunks-r.ChunksRead)*chunk {
		t.Fatalf("resumed %d bytes and read %d chunks of %d", r.BytesResumed, r.ChunksRead, chunks)
	}
	t.Logf("killed after %d of %d chunks; the journal kept %d; the second run read %d", verified, chunks, len(rec.Chunks), r.ChunksRead)
	final, err := dump.ReadRecord(dump.RecordPath(out))
	if err != nil || final.State != dump.StateComplete || len(final.Chunks) != chunks {
		t.Fatalf("final record %+v, %v", final, err)
	}
}

// TestInterruptKeepsJournal: Ctrl-C (SIGINT) stops a dump within a second
// with one sentence that names where the data is kept, exit status 130,
// keeps what was verified, and the next run resumes.
func TestInterruptKeepsJournal(t *testing.T) {
	img := randomBytes(256<<10, 43)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 3_000_000})
	out := filepath.Join(t.TempDir(), "flash.bin")
	args := []string{"dump", "-p", board.Path, "-b", "3000000", "--addr", "0x04000000", "--size", "256K",
		"--chunk", "16K", "-o", out, "-v"}
	cmd, sc := startDump(t, args)
	var tail []string
	for sc.Scan() {
		if strings.Contains(sc.Text(), "chunk verified") {
			break
		}
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	for sc.Scan() {
		tail = append(tail, sc.Text())
	}
	err := cmd.Wait()
	if took := time.Since(sent); took > time.Second {
		t.Fatalf("exited %v after SIGINT, want under a second", took)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit %v, want status 130 (as shells report Ctrl-C)", err)
	}
	last := tail[len(tail)-1]
	if !strings.Contains(last, "interrupted") || !strings.Contains(last, "verified and kept in "+out+".bootdump.part (its journal: "+out+".bootdump.json)") ||
		!strings.Contains(last, "run the same command again to resume") {
		t.Fatalf("last line %q", last)
	}
	noFile(t, out)
	var stdout bytes.Buffer
	again := exec.Command(binary, append(args, "--json")...)
	again.Stdout = &stdout
	if err := again.Run(); err != nil {
		t.Fatal(err)
	}
	sameFile(t, out, img)
	if r := parseResult(t, stdout.String()); r.BytesResumed == 0 {
		t.Fatal("the second run resumed nothing")
	}
}

// TestKillAnywhere kills 20 dumps with SIGKILL at random moments (seeded),
// each followed by the same command: every journal left behind parses and
// every final image is identical.
func TestKillAnywhere(t *testing.T) {
	img := randomBytes(128<<10, 77)
	board := ptyBoard(t, sim.Config{Image: img, Baud: 3_000_000})
	rng := rand.New(rand.NewPCG(2026, 11))
	dir := t.TempDir()
	for i := range 20 {
		out := filepath.Join(dir, fmt.Sprintf("kill%d.bin", i))
		args := []string{"dump", "-p", board.Path, "-b", "3000000", "--addr", "0x04000000", "--size", "128K",
			"--chunk", "16K", "-o", out}
		cmd := exec.Command(binary, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A whole dump takes about 2 s here: kill somewhere in it.
		timer := time.AfterFunc(time.Duration(rng.Int64N(int64(2500*time.Millisecond))), func() { cmd.Process.Kill() })
		cmd.Wait()
		timer.Stop()
		if _, err := dump.ReadRecord(dump.RecordPath(out)); err != nil {
			t.Fatalf("run %d: the journal left by SIGKILL does not parse: %v", i, err)
		}
		if _, err := os.Stat(out); err == nil {
			sameFile(t, out, img) // it finished before the kill
			continue
		}
		again := exec.Command(binary, args...)
		if msg, err := again.CombinedOutput(); err != nil {
			t.Fatalf("run %d: resume: %v: %s", i, err, msg)
		}
		sameFile(t, out, img)
	}
}
