package cli

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/capture"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
)

type parseFlags struct {
	output  string
	dialect string
	fill    bool
	fillVal uint64
	force   bool
	json    bool
}

func (a *app) parseCommand() *cobra.Command {
	var f parseFlags
	fillVal := &numberFlag{v: &f.fillVal}
	f.fillVal = 0xff
	fillVal.set = true
	cmd := &cobra.Command{
		Use:   "parse CAPTURE -o FILE",
		Short: "Turn a saved console log of memory dumps into a binary image",
		Long: `parse reads a console log saved by picocom, minicom, screen or PuTTY (CR/LF
in any mix, colour codes, backspaces, prompts and echoes, boot messages in
between) and turns its dump lines into the bytes they show. Every line is
checked as in a live dump (address, digits, the ASCII column); a line whose
address follows none of its neighbours is refused; lines that cover the same
range must agree. What no good line covers is listed as exact ranges: the
image is written only when there are none, or with --fill, which fills them
(0xff by default) and lists them in FILE.bootdump.json.`,
		Example: `  bootdump parse minicom.cap -o flash.bin
  bootdump parse putty.log --dialect winbond -o romfs.img --fill`,
		Args: oneArg("CAPTURE, the saved console log"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.parse(args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "image file to write")
	fl.StringVar(&f.dialect, "dialect", "auto", "the dump format: auto, "+strings.Join(registry.Names(), ", ")+", or a profile FILE.toml")
	completeDialects(cmd, "dialect")
	fl.BoolVar(&f.fill, "fill", false, "write the image even with gaps, filling them (the record lists them)")
	fl.Var(fillVal, "fill-byte", "the byte gaps are filled with")
	fl.BoolVar(&f.force, "force", false, "replace an existing output file")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	return cmd
}

func (a *app) parse(path string, f *parseFlags) error {
	switch {
	case f.output == "":
		return usagef("no output file: give -o FILE")
	case f.fillVal > 0xff:
		return usagef("--fill-byte %#x: one byte, 0 to 0xff", f.fillVal)
	}
	formats, err := captureFormats(f.dialect)
	if err != nil {
		return err
	}
	if err := dump.CheckOutput(f.output, 0, f.force); err != nil {
		return withAdvice("parse", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if binreader.InLog(raw) {
		return fmt.Errorf("%s holds the binary reader's stream (how dump reads U-Boot by default), not md's lines, which parse reads: the dump's own image is the data; for a log parse can read, dump with --reader md --transcript FILE", path)
	}
	res, err := capture.Parse(raw, formats)
	if errors.Is(err, capture.ErrNoDump) {
		return fmt.Errorf("%s: %w (is it a log of memory dumps? try --dialect)", path, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	missing := append(append([]dump.Range(nil), res.Gaps...), res.Disagree...)
	if f.json {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{
			"capture": path, "output": f.output, "format": res.Group, "addr": fmt.Sprintf("%#x", res.Addr), "size": len(res.Data),
			"lines": res.Lines, "accepted": res.Accepted, "rejected": orEmpty(res.Rejected), "gaps": orEmpty(res.Gaps),
			"disagree": orEmpty(res.Disagree), "written": len(missing) == 0 || f.fill,
		})
	}
	fmt.Fprintf(a.stderr, "%s: %d lines, %d dump lines accepted (%s), %d refused; %d bytes at %#x\n",
		path, res.Lines, res.Accepted, res.Group, len(res.Rejected), len(res.Data), res.Addr)
	for _, r := range res.Rejected {
		fmt.Fprintf(a.stderr, "refused line %d: %s: %q\n", r.Line, r.Reason, shorten(r.Text, 90))
	}
	for _, g := range res.Gaps {
		if slices.Contains(res.CutOff, g) {
			fmt.Fprintf(a.stderr, "cut off: the log's md asked for %v more, past its last line\n", g)
			continue
		}
		fmt.Fprintf(a.stderr, "gap: %v\n", g)
	}
	for _, g := range res.Disagree {
		fmt.Fprintf(a.stderr, "lines disagree: %v\n", g)
	}
	switch {
	case len(missing) == 0 || f.fill:
	case len(missing) == len(res.CutOff):
		return fmt.Errorf("the log ends inside an md (listed above): nothing written; save the whole log, or give --fill to write what it holds (0xff for the rest)")
	default:
		return fmt.Errorf("%s of %#x..%#x missing or disputed (listed above): nothing written; dump them again, or give --fill to write the image with them filled",
			words.Plural(len(missing), "byte range"), res.Addr, res.Addr+uint64(len(res.Data))-1)
	}
	for _, g := range missing {
		for i := g.Addr - res.Addr; i < g.Addr-res.Addr+g.Size; i++ {
			res.Data[i] = byte(f.fillVal)
		}
	}
	rec := &dump.Record{
		Source: "capture", Capture: path, Addr: dump.Hex(res.Addr), Gaps: missing,
		Device: dialect.Identity{Dialect: strings.TrimSuffix(strings.Fields(res.Group)[0], ","), ByteOrder: "unknown"},
	}
	if len(missing) > 0 {
		rec.GapFill = fmt.Sprintf("%#02x", f.fillVal)
	}
	if err := dump.WriteComplete(f.output, res.Data, rec); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "wrote %s (%d bytes at %#x)", f.output, len(res.Data), res.Addr)
	if len(missing) > 0 {
		fmt.Fprintf(a.stderr, "; %d gap(s) filled with %#02x, listed in %s", len(missing), f.fillVal, dump.RecordPath(f.output))
	}
	fmt.Fprintln(a.stderr)
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// captureFormats are the line formats a capture may be in: those of the
// bootloader named, or of every one bootdump knows.
func captureFormats(name string) ([]capture.Format, error) {
	named, ok, err := backup.Bootloader(name)
	if err != nil {
		return nil, usageError{err}
	}
	bootloaders := registry.All()
	if ok {
		bootloaders = []dialect.Bootloader{named}
	}
	var out []capture.Format
	for _, b := range bootloaders {
		if !ok && b.LinesLike != "" {
			continue // read as the bootloader it prints like
		}
		for _, o := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			group := b.Name + ", " + dialect.OrderName(o) + "-endian"
			if b.LineOrder != nil {
				if b.LineOrder != o {
					continue
				}
				group = b.Name
			}
			for _, p := range b.Lines(o) {
				out = append(out, capture.Format{Group: group, Parser: p})
			}
		}
	}
	return out, nil
}
