package dialect

import (
	"slices"
	"strings"
	"testing"
)

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

// Adding a flash kind is one entry in kinds (ARCHITECTURE.md, "Where
// things go"): --source parses it, the help lists it and restore takes it
// where it is programmable, with no other change here.
func TestAddedFlashKind(t *testing.T) {
	const eeprom FlashKind = "eeprom"
	saved := kinds
	t.Cleanup(func() { kinds = saved })
	kinds = append(kinds[:len(kinds):len(kinds)], kindInfo{kind: eeprom, name: "BUS", valid: isNumber, source: true, program: true, about: "an I2C EEPROM (eeprom read)"})

	if got, err := ParseSource("eeprom:1"); err != nil || got != (Source{eeprom, "1"}) {
		t.Fatalf("eeprom:1: %+v, %v", got, err)
	}
	if _, err := ParseSource("eeprom:x"); err == nil {
		t.Fatal("eeprom:x accepted")
	}
	if _, err := ParseSource("tape"); err == nil || !strings.Contains(err.Error(), "eeprom[:BUS]") {
		t.Fatalf("an unknown source's error %v does not offer eeprom[:BUS]", err)
	}
	if !slices.Contains(Sources(), eeprom) || !slices.Contains(Programmable(), eeprom) || eeprom.ByAddress() || eeprom.About() == "" {
		t.Fatalf("sources %v, programmable %v, about %q", Sources(), Programmable(), eeprom.About())
	}
}
