package binreader

import (
	"bytes"
	"slices"
	"testing"
)

// calibrationOf is what a console whose putc does change sends for the
// reader's calibration.
func calibrationOf(change func(b byte) []byte) []byte {
	out := []byte("## Starting application at 0x81000000 ...\r\n")
	out = append(out, calibrationMark...)
	for v := range 256 {
		out = append(out, change(byte(v))...)
	}
	return append(out, calibrationMark...)
}

func TestCalibration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(b byte) []byte
		want   []byte
	}{
		{"as is", func(b byte) []byte { return []byte{b} }, nil},
		{"CR LF (U-Boot)", func(b byte) []byte {
			if b == '\n' {
				return []byte("\r\n")
			}
			return []byte{b}
		}, []byte{'\t', '\n'}},
		{"LF CR", func(b byte) []byte {
			if b == '\n' {
				return []byte("\n\r")
			}
			return []byte{b}
		}, []byte{'\n', 0x0b}},
		{"NUL dropped", func(b byte) []byte {
			if b == 0 {
				return nil
			}
			return []byte{b}
		}, []byte{0}},
		{"DEL dropped", func(b byte) []byte {
			if b == 0x7f {
				return nil
			}
			return []byte{b}
		}, []byte{0x7f}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &pushback{ctx: t.Context(), line: NewLine(t.Context(), bytes.NewReader(calibrationOf(tc.change)), nil)}
			unsafe, err := calibrate(src, 1e9)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for v := range unsafe {
				if unsafe[v] {
					got = append(got, byte(v))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("escaped %q, want %q", got, tc.want)
			}
			if err := needed(unsafe); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A console that mangles the frame byte cannot carry the stream: said,
// not tried.
func TestCalibrationRefusesWhatCannotBeEscaped(t *testing.T) {
	src := &pushback{ctx: t.Context(), line: NewLine(t.Context(), bytes.NewReader(calibrationOf(func(b byte) []byte {
		if b == flag {
			return nil
		}
		return []byte{b}
	})), nil)}
	unsafe, err := calibrate(src, 1e9)
	if err != nil {
		t.Fatal(err)
	}
	if err := needed(unsafe); err == nil {
		t.Fatal("a console that drops 0x7e was accepted")
	}
}

// The parameter block is found in every committed reader, and reads back
// as it was written, in each architecture's word size and byte order.
func TestParams(t *testing.T) {
	for _, a := range Arches {
		p, err := Load(a)
		if err != nil {
			t.Fatal(err)
		}
		want := Params{Mode: ModeStream, JumpTable: 0x8ff0_1234, Addr: 0x9f00_0000, Size: 1 << 20, Block: 4096, GD: 0x8fe0_0000, Ext: 0x8100_0000}
		code := p.With(want)
		got, err := p.DecodeParams(code[p.ParamsOffset():])
		if err != nil || got != want {
			t.Fatalf("%s: %+v, %v", a.Name, got, err)
		}
	}
}
