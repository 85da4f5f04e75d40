package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

// restoreReport is what restore --json says of the final pass.
type restoreReport struct {
	Written   int    `json:"written"`
	EraseUnit uint64 `json:"erase_unit"`
	FinalPass struct {
		Checked   int      `json:"checked"`
		Rewritten []uint64 `json:"rewritten"`
	} `json:"final_pass"`
}

func restoreJSON(t *testing.T, stdout string) restoreReport {
	t.Helper()
	var r restoreReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("restore --json printed %q: %v", stdout, err)
	}
	return r
}

// TestRestoreEraseUnitLargerThanSaid: a NOR flash that erases 256 KiB while
// flinfo lists 128 KiB sectors (QEMU's virt flash). Erasing the second
// block wipes the first, already written and verified; the restore says
// so, plans again with 256 KiB units, and ends with the flash right, the
// final pass over the whole range in its result. Where the image does not
// cover whole units, the wiped flash outside it stops the restore: no
// success is reported on a wrong flash.
func TestRestoreEraseUnitLargerThanSaid(t *testing.T) {
	flash := randomBytes(4<<20, 81)
	board := ptyBoard(t, sim.Config{Image: flash, EraseUnit: 0x40000})
	dir := t.TempDir()
	img := randomBytes(1<<20, 82)
	path := writeFile(t, filepath.Join(dir, "backup.bin"), img)
	stdout, stderr, code := run(t, "restore", "-p", board.Path, path, "--addr", "0x04100000", "--yes", "--json")
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	r := restoreJSON(t, stdout)
	if r.EraseUnit != 0x40000 || r.FinalPass.Checked != 4 || !strings.Contains(stderr, "the flash erases 0x40000 bytes at a time, not the 0x20000 it says") {
		t.Fatalf("result %+v:\n%s", r, stderr)
	}
	want := bytes.Clone(flash)
	copy(want[1<<20:], img)
	flashHolds(t, board.Path, "mem", 0x04000000, want[:3<<20])

	// 128 KiB at 0x04120000: half of a 256 KiB unit; its erase wipes
	// 0x04100000..0x0411ffff, which the image does not cover.
	half := writeFile(t, filepath.Join(dir, "half.bin"), randomBytes(128<<10, 83))
	_, stderr, code = run(t, "restore", "-p", board.Path, half, "--addr", "0x04120000", "--yes")
	if code != 1 || !strings.Contains(stderr, "outside the range being restored") || strings.Contains(stderr, "done:") {
		t.Fatalf("restore of half a unit: exit %d: %s", code, stderr)
	}
}

// TestRestoreSlowFlash: an erase that takes 5 s and a program that takes
// 40 s, silent all the while, succeed with the default options: the time
// limits come from what flinfo says of the flash, not the line's idle
// timeout; the long steps are announced with their limits.
func TestRestoreSlowFlash(t *testing.T) {
	flash := randomBytes(1<<20, 84)
	board := ptyBoard(t, sim.Config{Image: flash, EraseTime: 5 * time.Second, ProgramTime: 40 * time.Second})
	img := bytes.Clone(flash[:256<<10])
	img[0x21234] ^= 0x5a // one block differs
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	stdout, stderr, code := run(t, "restore", "-p", board.Path, path, "--addr", "0x04000000", "--yes", "--json")
	if code != 0 {
		t.Fatalf("restore of a slow flash: exit %d: %s", code, stderr)
	}
	if r := restoreJSON(t, stdout); r.Written != 1 || r.FinalPass.Checked != 2 {
		t.Fatalf("result %+v", r)
	}
	if !strings.Contains(stderr, "erasing 0x4020000..+0x20000, up to") || !strings.Contains(stderr, "programming 0x20000 bytes at 0x4020000, up to") {
		t.Fatalf("the long steps were not announced:\n%s", stderr)
	}
}
