package words

import "testing"

func TestSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 bytes", 512: "512 bytes", 64 << 10: "64 KiB", 3 << 19: "1.5 MiB", 2 << 30: "2 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if got := HexList([]uint64{0, 0x20000}); got != "0x0, 0x20000" {
		t.Errorf("HexList: %q", got)
	}
}

func TestPlural(t *testing.T) {
	if got := Plural(1, "retry") + ", " + Plural(3, "retry") + ", " + Plural(2, "chunk"); got != "1 retry, 3 retries, 2 chunks" {
		t.Errorf("%q", got)
	}
}
