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
	diffs, err := Verify(ctx, dev, dev.base, bytes.NewReader(img), uint64(len(img)), 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Range{{dev.base + 100000, 1}, {dev.base + 200000, 2}}
	if len(diffs) != 2 || diffs[0] != want[0] || diffs[1].Addr > want[1].Addr || diffs[1].Addr+diffs[1].Size < want[1].Addr+2 {
		t.Fatalf("got %v, want %v", diffs, want)
	}
	// The second difference spans two adjacent bytes: the reported range
	// must cover both and stay small.
	if diffs[1].Size > 64 {
		t.Fatalf("range %v is not narrowed", diffs[1])
	}
}
