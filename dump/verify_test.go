package dump

import (
	"bytes"
	"context"
	"testing"
)

func TestVerifyNarrowsToTheByte(t *testing.T) {
	dev := newFake(256 << 10)
	img := bytes.Clone(dev.mem)
	ctx := context.Background()
	if diffs, err := Verify(ctx, dev, dev.base, bytes.NewReader(img), uint64(len(img)), 64<<10, nil); err != nil || len(diffs) != 0 {
		t.Fatalf("identical image: %v %v", diffs, err)
	}
	img[100000] ^= 1
	img[200000] ^= 0x80
	img[200001] ^= 0x80
	img[200002] ^= 0x80 // three bytes: the range is those three, not four
	img[10000] ^= 1     // and two far apart in one chunk: from the first to the last
	img[20000] ^= 1
	diffs, err := Verify(ctx, dev, dev.base, bytes.NewReader(img), uint64(len(img)), 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Range{{dev.base + 10000, 10001}, {dev.base + 100000, 1}, {dev.base + 200000, 3}}
	if len(diffs) != len(want) || diffs[0] != want[0] || diffs[1] != want[1] || diffs[2] != want[2] {
		t.Fatalf("got %v, want %v", diffs, want)
	}
}
