package profile

import "testing"

func TestExpand(t *testing.T) {
	if got := Expand("md -b 0x{addr}+0x{len} ({end})", 0x80000000, 0x100); got != "md -b 0x80000000+0x100 (800000ff)" {
		t.Fatal(got)
	}
}
