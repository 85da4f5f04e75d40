package identify_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bootdump/bootdump/identify"
	"github.com/bootdump/bootdump/internal/imagetest"
)

func scan(t testing.TB, img []byte) *identify.Report {
	t.Helper()
	rep, err := identify.Scan(context.Background(), bytes.NewReader(img), int64(len(img)), identify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// describe lists findings for failure messages.
func describe(fs []identify.Finding, indent string) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s0x%x +%d %s %s %s %s\n", indent, f.Offset, f.Length, f.Type, f.Verdict, f.Summary, f.Reason)
		b.WriteString(describe(f.Children, indent+"  "))
	}
	return b.String()
}

// topLevel maps the offsets of the top-level findings to them.
func topLevel(rep *identify.Report) map[int64]identify.Finding {
	m := map[int64]identify.Finding{}
	for _, f := range rep.Findings {
		m[f.Offset] = f
	}
	return m
}

func childTypes(f identify.Finding) []string {
	var types []string
	for _, c := range f.Children {
		types = append(types, c.Type)
	}
	return types
}

// Each image made by its real tool, alone in a file, is found at offset 0
// with the whole file's length, its verdict and its nested parts.
func TestEachToolImageAlone(t *testing.T) {
	set := imagetest.Build(t)
	for _, p := range set.Parts {
		t.Run(p.Name, func(t *testing.T) {
			rep := scan(t, p.Data)
			var top []identify.Finding
			for _, f := range rep.Findings {
				if f.Type != "erased" {
					top = append(top, f)
				}
			}
			if len(top) != 1 {
				t.Fatalf("want one finding, got:\n%s", describe(rep.Findings, ""))
			}
			f := top[0]
			if f.Offset != 0 || f.Type != p.Type || f.Verdict != p.Verdict {
				t.Fatalf("want %s %s at 0, got:\n%s", p.Type, p.Verdict, describe(rep.Findings, ""))
			}
			if got := strings.Join(childTypes(f), ","); got != strings.Join(p.Children, ",") {
				t.Errorf("children %q, want %q:\n%s", got, strings.Join(p.Children, ","), describe(rep.Findings, ""))
			}
			for _, c := range f.Children {
				if c.Verdict == identify.Damaged {
					t.Errorf("nested %s damaged: %s", c.Type, c.Reason)
				}
			}
			// Length: the formats that state it are exact; the rest may
			// not count the padding their tool adds.
			if f.Length > int64(len(p.Data)) || f.Length < int64(len(p.Data))-4096 {
				t.Errorf("length %d, file has %d bytes", f.Length, len(p.Data))
			}
		})
	}
}

// Laid out together in a 16 MiB flash with erased gaps, every part is found
// at its offset with its verdict, the gaps are erased space, and the
// environment's mtdparts names the partitions.
func TestCompositeFlashImage(t *testing.T) {
	set := imagetest.Build(t)
	rep := scan(t, set.Composite())
	byOffset := topLevel(rep)
	for _, p := range set.Parts {
		f, ok := byOffset[p.At]
		if !ok || f.Type != p.Type || f.Verdict != p.Verdict {
			t.Errorf("%s: want %s %s at 0x%x", p.Name, p.Type, p.Verdict, p.At)
			continue
		}
		if got := strings.Join(childTypes(f), ","); got != strings.Join(p.Children, ",") {
			t.Errorf("%s: children %q, want %q", p.Name, got, strings.Join(p.Children, ","))
		}
	}
	// Nothing overlaps, and what lies between findings is erased space
	// (reported from 64 KiB on) or a tool's zero padding.
	img := set.Composite()
	covered := int64(0)
	for _, f := range append(rep.Findings, identify.Finding{Offset: imagetest.FlashSize}) {
		if f.Offset < covered {
			t.Errorf("finding at 0x%x overlaps the one before", f.Offset)
		}
		gap := img[covered:max(covered, f.Offset)]
		if len(gap) >= 64<<10 || len(bytes.Trim(gap, "\xff\x00")) != 0 {
			t.Errorf("0x%x..0x%x: not found and not short erased space", covered, f.Offset)
		}
		covered = f.End()
	}
	if covered != imagetest.FlashSize {
		t.Errorf("findings end at 0x%x, not at the end of the flash", covered)
	}
	wantParts := map[int64]string{0: "boot", 0x40000: "env", 0x50000: "env", 0x90000: "kernel",
		0x200000: "blobs", 0x300000: "rootfs", 0x380000: "ubi"}
	for off, name := range wantParts {
		if got := byOffset[off].Partition; got != name {
			t.Errorf("finding at 0x%x in partition %q, want %q", off, got, name)
		}
	}
	if len(rep.Partitions) != 6 || rep.Partitions[5].Name != "ubi" || rep.Partitions[5].Size != imagetest.FlashSize-0x380000 || !rep.Partitions[0].ReadOnly {
		t.Errorf("partitions %+v", rep.Partitions)
	}
	if t.Failed() {
		t.Logf("found:\n%s", describe(rep.Findings, ""))
	}
}

// One flipped byte in each part: each is reported damaged, at its offset,
// with a reason that names what failed.
func TestCompositeWithOneFlippedByteInEachPart(t *testing.T) {
	set := imagetest.Build(t)
	rep := scan(t, set.Damaged())
	byOffset := topLevel(rep)
	for _, p := range set.Parts {
		f, ok := byOffset[p.At]
		switch {
		case !ok || f.Type != p.Type:
			t.Errorf("%s: no %s at 0x%x", p.Name, p.Type, p.At)
		case f.Verdict != identify.Damaged:
			t.Errorf("%s: byte 0x%x flipped, verdict %s", p.Name, p.Flip, f.Verdict)
		case f.Reason == "":
			t.Errorf("%s: damaged without a reason", p.Name)
		default:
			t.Logf("%-18s %s", p.Name, f.Reason)
		}
	}
	if n := len(rep.Damaged()); n < len(set.Parts) {
		t.Errorf("%d damaged findings, want at least %d", n, len(set.Parts))
	}
	if t.Failed() {
		t.Logf("found:\n%s", describe(rep.Findings, ""))
	}
}

// Big-endian JFFS2 and cramfs, as big-endian boards carry them: found, ok,
// and damaged when a byte in the middle flips.
func TestBigEndianFileSystems(t *testing.T) {
	for _, p := range imagetest.BigEndian(t) {
		rep := scan(t, p.Data)
		if len(rep.Findings) == 0 || rep.Findings[0].Type != p.Type || rep.Findings[0].Verdict != identify.OK ||
			rep.Findings[0].Detail("endian") != "big-endian" {
			t.Errorf("%s:\n%s", p.Name, describe(rep.Findings, ""))
		}
		bad := bytes.Clone(p.Data)
		bad[p.Flip] ^= 0x01
		rep = scan(t, bad)
		if len(rep.Findings) == 0 || rep.Findings[0].Verdict != identify.Damaged {
			t.Errorf("%s with byte 0x%x flipped:\n%s", p.Name, p.Flip, describe(rep.Findings, ""))
		}
	}
}

// A squashfs in its erase blocks: mksquashfs's zero padding to 4 KiB is
// part of it, and the 0xFF after it to the end of the block is erased
// space, though shorter than 64 KiB. Cut short by the end of the file,
// it is cut off, not damaged.
func TestSquashfsPaddedAndCut(t *testing.T) {
	set := imagetest.Build(t)
	var sq []byte
	for _, p := range set.Parts {
		if p.Type == "squashfs" {
			sq = p.Data
		}
	}
	if sq == nil || len(sq)%4096 != 0 {
		t.Fatalf("no squashfs made by mksquashfs, padded to 4 KiB (%d bytes)", len(sq))
	}
	block := (len(sq) + 0xffff) &^ 0xffff
	if block-len(sq) >= 64<<10 {
		block -= 64 << 10
	}
	img := append(bytes.Clone(sq), bytes.Repeat([]byte{0xff}, block-len(sq)+1)...)[:block]
	rep := scan(t, img)
	if len(rep.Unknown) != 0 || rep.Findings[0].Length != int64(len(sq)) || rep.Findings[0].Detail("padding") == "" {
		t.Fatalf("padded squashfs:\n%s%v unknown", describe(rep.Findings, ""), rep.Unknown)
	}
	if block > len(sq) && (len(rep.Findings) != 2 || rep.Findings[1].Type != "erased") {
		t.Fatalf("the rest of the block is not erased space:\n%s", describe(rep.Findings, ""))
	}
	cut := scan(t, sq[:len(sq)/2])
	if f := cut.Findings[0]; f.Verdict != identify.Cut || len(cut.Damaged()) != 0 || !strings.Contains(f.Reason, "the dump's range ends inside it") {
		t.Fatalf("cut squashfs:\n%s", describe(cut.Findings, ""))
	}
}
