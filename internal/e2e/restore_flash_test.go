package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/sim"
)

// restoreReport is what restore --json says of the upload and the final
// pass.
type restoreReport struct {
	Written   int    `json:"written"`
	Uploaded  uint64 `json:"uploaded"`
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
	stdout, stderr, code = run(t, "restore", "-p", board.Path, half, "--addr", "0x04120000", "--yes")
	if code != 1 || !strings.Contains(stderr, "outside the range being restored") || strings.Contains(stdout, "done:") {
		t.Fatalf("restore of half a unit: exit %d: %s%s", code, stdout, stderr)
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

// TestRealUBootRestore writes 1 MiB at 0x04100000 of real U-Boot's second
// CFI flash under QEMU (with the harness of qemutest.ProgramWordByWord and
// the true 256 KiB erase unit in flinfo): every block written and checked,
// the final pass over the range, the flash dumped back identical; a second
// restore writes nothing; one changed block writes one block; and the
// flash file QEMU leaves holds the image and nothing else changed.
func TestRealUBootRestore(t *testing.T) {
	orig := randomBytes(4<<20, 91)
	board := qemutest.StartWith(t, orig, qemutest.OldMultipleChipHandling...)
	board.ProgramWordByWord(t)
	img := randomBytes(1<<20, 92)
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	args := []string{"restore", "-p", board.Port, path, "--addr", "0x04100000", "--yes", "--json"}
	stdout, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	if r := restoreJSON(t, stdout); r.Written != 4 || r.FinalPass.Checked != 4 || r.EraseUnit != 0 {
		t.Fatalf("restore %+v:\n%s", r, stderr)
	}
	flashHolds(t, board.Port, "mem", 0x04100000, img)
	if stdout, stderr, code = run(t, args...); code != 0 || restoreJSON(t, stdout).Written != 0 {
		t.Fatalf("second restore: exit %d: %s%s", code, stdout, stderr)
	}
	img[0x51234] ^= 0x5a
	writeFile(t, path, img)
	if stdout, stderr, code = run(t, args...); code != 0 || restoreJSON(t, stdout).Written != 1 {
		t.Fatalf("one changed block: exit %d: %s%s", code, stdout, stderr)
	}
	if err := board.Stop(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(board.Flash)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(bytes.Clone(orig[:1<<20]), img...), orig[2<<20:]...)
	if !bytes.Equal(file[:4<<20], want) {
		t.Fatal("QEMU's flash file does not hold the image at 1 MiB and the rest unchanged")
	}
	if !allFF(file[4<<20:]) {
		t.Fatal("QEMU's flash file changed beyond the first 4 MiB")
	}
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}

// TestRealUBootRestoreEraseUnit: without the option, U-Boot's flinfo says
// 128 KiB sectors while QEMU erases 256 KiB. The restore notices the wiped
// neighbour, plans again with 256 KiB units and ends with the flash right,
// dumped back identical; it never reports success on a wrong flash.
func TestRealUBootRestoreEraseUnit(t *testing.T) {
	orig := randomBytes(4<<20, 93)
	board := qemutest.Start(t, orig)
	board.ProgramWordByWord(t)
	img := randomBytes(512<<10, 94)
	path := writeFile(t, filepath.Join(t.TempDir(), "backup.bin"), img)
	stdout, stderr, code := run(t, "restore", "-p", board.Port, path, "--addr", "0x04100000", "--yes", "--json")
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	if r := restoreJSON(t, stdout); r.EraseUnit != 0x40000 || r.FinalPass.Checked != 2 {
		t.Fatalf("restore %+v:\n%s", r, stderr)
	}
	flashHolds(t, board.Port, "mem", 0x04100000, img)
	flashHolds(t, board.Port, "mem", 0x040c0000, orig[0xc0000:0x100000])
	flashHolds(t, board.Port, "mem", 0x04180000, orig[0x180000:0x1c0000])
}
