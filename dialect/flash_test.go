package dialect

import "testing"

func TestParseSource(t *testing.T) {
	for in, want := range map[string]Source{
		"mem": {"mem", ""}, "sf": {"sf", ""}, "sf:0:1": {"sf", "0:1"}, "nand": {"nand", ""},
		"mtd:nor1": {"mtd", "nor1"}, "mmc:1": {"mmc", "1"}, "mmc": {"mmc", "0"},
	} {
		if got, err := ParseSource(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "flash", "mtd", "sf:0", "sf:a:b", "mmc:x", "nand:0", "mem:1"} {
		if _, err := ParseSource(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
