package restore_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/dialecttest"
	"github.com/bootdump/bootdump/restore"
)

// Every path of a restore, on a fake board (package dialecttest) whose
// NOR flash erases and programs as flash does: bits go from 1 to 0 only,
// and an erase wipes its whole erase unit.

const (
	flashBase = 0x9f000000
	sector    = 0x10000
	ramBase   = 0x80000000
)

// board is a fake with 8 sectors of flash holding old, and the image new
// that differs from it in the given sectors.
func board(t *testing.T, changed ...int) (*dialecttest.Programmer, []byte) {
	t.Helper()
	old := make([]byte, 8*sector)
	for i := range old {
		old[i] = byte(i*7 + i>>9)
	}
	img := bytes.Clone(old)
	for _, s := range changed {
		for i := s * sector; i < (s+1)*sector; i++ {
			img[i] ^= 0x5a
		}
	}
	return dialecttest.NewProgrammer(flashBase, old, sector, ramBase, 1<<20), img
}

func plan(t *testing.T, p *dialecttest.Programmer, img []byte) *restore.Plan {
	t.Helper()
	banks, _ := p.NORBanks(context.Background())
	pl, err := restore.PlanNOR(context.Background(), p, banks, img, flashBase, ramBase)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func kinds(steps []dialect.Step) []dialect.StepKind {
	var out []dialect.StepKind
	for _, s := range steps {
		out = append(out, s.Kind)
	}
	return out
}

// Only the blocks that differ are written, each erased then programmed,
// and the final pass checks every block of the range.
func TestRestoreWritesWhatDiffers(t *testing.T) {
	p, img := board(t, 2, 5)
	pl := plan(t, p, img)
	if pl.Changed() != 2 {
		t.Fatalf("%d blocks to write, want 2", pl.Changed())
	}
	res, err := restore.Run(context.Background(), p, pl, img, restore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Flash.Data, img) || res.Written != 2 || res.Unchanged != 6 || res.Final.Checked != 8 || len(res.Final.Rewritten) != 0 {
		t.Fatalf("result %+v; the flash holds the image: %v", res, bytes.Equal(p.Flash.Data, img))
	}
	want := []dialect.StepKind{dialect.Unprotect, dialect.Erase, dialect.Program, dialect.Unprotect, dialect.Erase, dialect.Program}
	if got := kinds(p.Steps); !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	// Each of the two blocks went to RAM alone (they are not adjacent),
	// not the span from the first to the last.
	if len(pl.Segments) != 2 || pl.Uploaded() != 2*sector || res.Uploaded != 2*sector {
		t.Fatalf("segments %+v, %d bytes uploaded: want the 2 blocks, %d bytes", pl.Segments, res.Uploaded, 2*sector)
	}
}

// A flash that erases twice what it says: the first erase wipes the block
// beside it, the restore notices (it checks the neighbours after every
// erase step), plans again with the larger unit and writes that.
func TestRestoreEraseUnitLargerThanSaid(t *testing.T) {
	p, img := board(t, 2)
	p.EraseUnit = 2 * sector
	res, err := restore.Run(context.Background(), p, plan(t, p, img), img, restore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.EraseUnit != 2*sector || !bytes.Equal(p.Flash.Data, img) {
		t.Fatalf("result %+v, erase unit %#x; the flash holds the image: %v", res, res.EraseUnit, bytes.Equal(p.Flash.Data, img))
	}
}

// A block that held the image when written but not at the end (here:
// programming the block after it disturbed it) fails the final pass and
// is written once more.
func TestRestoreFinalPassRewrites(t *testing.T) {
	p, img := board(t, 1, 2, 3)
	p.Disturb = map[uint64]uint64{flashBase + 3*sector: flashBase + 2*sector + 100}
	res, err := restore.Run(context.Background(), p, plan(t, p, img), img, restore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Final.Rewritten, []uint64{flashBase + 2*sector}) || !bytes.Equal(p.Flash.Data, img) {
		t.Fatalf("final pass %+v; the flash holds the image: %v", res.Final, bytes.Equal(p.Flash.Data, img))
	}
}

// A slow flash (every erase and program takes its time) is waited for:
// the restore finishes, and took at least what the steps took.
func TestRestoreSlowFlash(t *testing.T) {
	p, img := board(t, 0, 7)
	p.StepTime = 30 * time.Millisecond
	start := time.Now()
	res, err := restore.Run(context.Background(), p, plan(t, p, img), img, restore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); res.Written != 2 || took < 4*p.StepTime || !bytes.Equal(p.Flash.Data, img) {
		t.Fatalf("result %+v in %v", res, took)
	}
}

// An upload cut off, or one that arrived damaged, writes nothing: the
// flash is as it was, the error says so; the same restore again does it.
func TestRestoreInterruptedUpload(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*dialecttest.Programmer)
		want string
	}{
		{"cut", func(p *dialecttest.Programmer) { p.CutUpload = 1 }, "upload cut off"},
		{"damaged", func(p *dialecttest.Programmer) { p.BadUpload = 1 }, "nothing was written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, img := board(t, 4)
			before := bytes.Clone(p.Flash.Data)
			tc.set(p)
			_, err := restore.Run(context.Background(), p, plan(t, p, img), img, restore.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !bytes.Equal(p.Flash.Data, before) || len(p.Steps) != 0 {
				t.Fatalf("err %v, %d steps run; the flash unchanged: %v", err, len(p.Steps), bytes.Equal(p.Flash.Data, before))
			}
			if _, err := restore.Run(context.Background(), p, plan(t, p, img), img, restore.Options{}); err != nil || !bytes.Equal(p.Flash.Data, img) {
				t.Fatalf("the second run: %v", err)
			}
		})
	}
}

// A plan that cuts an erase block is refused before anything is written.
func TestRestoreRefusesACutBlock(t *testing.T) {
	p, img := board(t, 1)
	banks, _ := p.NORBanks(context.Background())
	_, err := restore.PlanNOR(context.Background(), p, banks, img[:sector+100], flashBase, ramBase)
	if err == nil || !strings.Contains(err.Error(), "do not cover whole erase blocks") || errors.Is(err, restore.ErrWiped) {
		t.Fatalf("err %v", err)
	}
}
