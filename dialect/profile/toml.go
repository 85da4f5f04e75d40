package profile

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/hexdump"
)

// file is a profile as written in TOML (see profiles/*.toml).
type file struct {
	Name     string   `toml:"name"`
	Prompts  []string `toml:"prompts"`
	Banners  []string `toml:"banners"`
	Resets   []string `toml:"resets"`
	Wake     string   `toml:"wake"`
	Settle   string   `toml:"settle"`
	Skip     []string `toml:"skip"`
	Errors   []string `toml:"errors"`
	Status   string   `toml:"status"`
	Version  string   `toml:"version"`
	Images   string   `toml:"image_table"`
	AddrBits int      `toml:"addr_bits"`
	Ack      string   `toml:"ack"`
	Baud     *struct {
		Command string `toml:"command"`
		Rates   []int  `toml:"rates"`
	} `toml:"baud"`
	Autoboot []struct {
		Marker string `toml:"marker"`
		Keys   string `toml:"keys"`
	} `toml:"autoboot"`
	Dump struct {
		Command      string `toml:"command"`
		Width        int    `toml:"width"`
		ByteOrder    string `toml:"byte_order"`
		BytesPerCall int    `toml:"bytes_per_call"`
		Align        uint64 `toml:"align"`
		Line         string `toml:"line"`
		ASCII        string `toml:"ascii"`
	} `toml:"dump"`
	Checksum *struct {
		Command   string `toml:"command"`
		Algorithm string `toml:"algorithm"`
		Result    string `toml:"result"`
		Hex       bool   `toml:"hex"`
	} `toml:"checksum"`
}

// asciiRules are the ASCII columns a profile's "ascii" group may be
// checked against.
var asciiRules = map[string]func(byte) byte{
	"printable": hexdump.Printable,    // 0x20..0x7e as themselves (U-Boot, RedBoot, barebox)
	"winbond":   hexdump.WinbondASCII, // 0x21..0x7f
	"cfe":       hexdump.CFEASCII,     // 0x20..0x7f
}

// Load reads a profile from a TOML file.
func Load(path string) (*Profile, error) {
	var f file
	meta, err := toml.DecodeFile(path, &f)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	if extra := meta.Undecoded(); len(extra) > 0 {
		return nil, fmt.Errorf("profile %s: unknown setting %q", path, extra[0].String())
	}
	p, err := f.profile()
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	return p, nil
}

func (f *file) profile() (*Profile, error) {
	d := f.Dump
	var order binary.ByteOrder
	switch d.ByteOrder {
	case "big":
		order = binary.BigEndian
	case "little":
		order = binary.LittleEndian
	case "":
		if d.Width > 1 {
			return nil, fmt.Errorf("dump.byte_order: say \"big\" or \"little\" (the order %d-byte units are printed in)", d.Width)
		}
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("dump.byte_order %q: \"big\" or \"little\"", d.ByteOrder)
	}
	if d.Command == "" || !strings.Contains(d.Command, "{addr}") {
		return nil, fmt.Errorf("dump.command must name the address as {addr} (and the length as {len} unless bytes_per_call is set)")
	}
	if d.BytesPerCall == 0 && !strings.Contains(d.Command, "{len}") && !strings.Contains(d.Command, "{end}") {
		return nil, fmt.Errorf("dump.command has no {len} or {end}: set dump.bytes_per_call to what one call prints")
	}
	if d.BytesPerCall < 0 || d.BytesPerCall%16 != 0 {
		return nil, fmt.Errorf("dump.bytes_per_call %d: a multiple of 16", d.BytesPerCall)
	}
	pattern, err := hexdump.NewPattern(d.Line, max(d.Width, 1), order)
	if err != nil {
		return nil, fmt.Errorf("dump.line: %w", err)
	}
	if d.ASCII != "" {
		if pattern.ASCII = asciiRules[d.ASCII]; pattern.ASCII == nil {
			return nil, fmt.Errorf("dump.ascii %q: printable, winbond or cfe", d.ASCII)
		}
		if pattern.Re.SubexpIndex("ascii") < 0 {
			return nil, fmt.Errorf("dump.ascii is set but dump.line has no (?P<ascii>...) group")
		}
	}
	p := &Profile{
		Name: f.Name, Traits: console.Traits{Prompts: f.Prompts, Resets: f.Resets, Wake: []byte(f.Wake)}, Banners: f.Banners, Settle: []byte(f.Settle),
		Skip: f.Skip, Errors: f.Errors, Version: f.Version, ImageTable: f.Images, Order: order, PerCall: d.BytesPerCall, Align: max(d.Align, 1),
		Reads:    []Read{{Width: max(d.Width, 1), Command: d.Command, Line: func(binary.ByteOrder) dialect.LineParser { return pattern }}},
		AddrBits: f.AddrBits, Ack: f.Ack,
	}
	if f.Baud != nil {
		p.Baud = &BaudSwitch{Command: f.Baud.Command, Rates: f.Baud.Rates}
	}
	if f.Wake == "" {
		p.Wake = nil
	}
	for _, a := range f.Autoboot {
		if a.Marker == "" || a.Keys == "" {
			return nil, fmt.Errorf("autoboot: each needs a marker and keys")
		}
		p.Autoboot = append(p.Autoboot, console.Autoboot{Marker: a.Marker, Keys: []byte(a.Keys)})
	}
	if f.Status != "" {
		if p.Status, err = regexp.Compile(f.Status); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
	}
	if c := f.Checksum; c != nil {
		alg, ok := dialect.Algorithms[c.Algorithm]
		if !ok {
			return nil, fmt.Errorf("checksum.algorithm %q: %s", c.Algorithm, dialect.AlgorithmNames())
		}
		re, err := regexp.Compile(c.Result)
		if err != nil || re.NumSubexp() == 0 {
			return nil, fmt.Errorf("checksum.result %q: a regular expression with a group for the sum (?P<sum>...)", c.Result)
		}
		if !strings.Contains(c.Command, "{addr}") {
			return nil, fmt.Errorf("checksum.command must name the address as {addr} and the length as {len}")
		}
		p.Checksum = &Checksum{Command: c.Command, Result: re, Hex: c.Hex, Algorithm: alg}
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}
