package identify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Counts tallies findings (at every depth) by verdict, leaving out erased
// space.
func (rep *Report) Counts() map[Verdict]int {
	n := map[Verdict]int{}
	var walk func([]Finding)
	walk = func(fs []Finding) {
		for _, f := range fs {
			if f.Type != "erased" {
				n[f.Verdict]++
			}
			walk(f.Children)
		}
	}
	walk(rep.Findings)
	return n
}

// Damaged lists every damaged finding, at any depth.
func (rep *Report) Damaged() []Finding {
	var out []Finding
	var walk func([]Finding)
	walk = func(fs []Finding) {
		for _, f := range fs {
			if f.Verdict == Damaged {
				out = append(out, f)
			}
			walk(f.Children)
		}
	}
	walk(rep.Findings)
	return out
}

// Headline is the one-line summary: how much was found and how it checked
// out, and how much no detector recognised.
func (rep *Report) Headline() string {
	counts := rep.Counts()
	parts := 0
	for _, n := range counts {
		parts += n
	}
	var line string
	switch {
	case rep.Size == 0:
		return "nothing: the image is empty"
	case parts == 1:
		line = fmt.Sprintf("1 part (%s)", verdicts(counts))
	case parts > 0:
		line = fmt.Sprintf("%d parts (%s)", parts, verdicts(counts))
	default:
		line = "no known format"
	}
	switch unknown := rep.UnknownBytes(); {
	case unknown == rep.Size:
		line += fmt.Sprintf(" in its %s", size(rep.Size))
	case unknown > 0:
		line += fmt.Sprintf("; %s of %s not identified", size(unknown), size(rep.Size))
	}
	return line
}

func verdicts(counts map[Verdict]int) string {
	var out []string
	for _, v := range []Verdict{OK, Damaged, Cut, Unverifiable} {
		if n := counts[v]; n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, v))
		}
	}
	return strings.Join(out, ", ")
}

// UnknownBytes is how much of the image no detector recognised.
func (rep *Report) UnknownBytes() int64 {
	var n int64
	for _, g := range rep.Unknown {
		n += g.Length
	}
	return n
}

// Known reports whether anything in the image was recognised (a format,
// or erased space).
func (rep *Report) Known() bool { return len(rep.Findings) > 0 }

// WriteTable prints the findings as a table, children indented under their
// parent, each damaged finding followed by its reason.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OFFSET\tSIZE\tPARTITION\tTYPE\tVERDICT\tCONTENTS")
	var walk func(fs []Finding, depth int)
	walk = func(fs []Finding, depth int) {
		for _, f := range fs {
			typ := f.Type
			if depth > 0 {
				typ = strings.Repeat("  ", depth-1) + "└ " + f.Type
			}
			fmt.Fprintf(tw, "0x%08x\t%s\t%s\t%s\t%s\t%s\n", f.Offset, size(f.Length), f.Partition, typ, f.Verdict, f.Summary)
			switch f.Verdict {
			case Damaged:
				fmt.Fprintf(tw, "\t\t\t\t\t! %s\n", f.Reason)
			case Cut:
				fmt.Fprintf(tw, "\t\t\t\t\t%s\n", f.Reason)
			}
			walk(f.Children, depth+1)
		}
	}
	// Top-level findings and the gaps between them, in order.
	gaps := rep.Unknown
	for _, f := range rep.Findings {
		for len(gaps) > 0 && gaps[0].Offset < f.Offset {
			fmt.Fprintf(tw, "0x%08x\t%s\t\t(not identified)\t\t\n", gaps[0].Offset, size(gaps[0].Length))
			gaps = gaps[1:]
		}
		walk([]Finding{f}, 0)
	}
	for _, g := range gaps {
		fmt.Fprintf(tw, "0x%08x\t%s\t\t(not identified)\t\t\n", g.Offset, size(g.Length))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Partitions) > 0 {
		fmt.Fprintf(w, "\nPartitions (mtdparts of %s):\n", rep.Partitions[0].Device)
		for _, p := range rep.Partitions {
			ro := ""
			if p.ReadOnly {
				ro = ", read-only"
			}
			fmt.Fprintf(w, "  0x%08x  %-10s %s%s\n", p.Offset, size(p.Size), p.Name, ro)
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", rep.Headline())
	return err
}

// WriteShort prints a few lines for the end of a dump: the headline, then
// each top-level part in a line, damaged ones with their reason.
func (rep *Report) WriteShort(w io.Writer) error {
	fmt.Fprintf(w, "contents: %s\n", rep.Headline())
	for _, f := range rep.Findings {
		if f.Type == "erased" {
			continue
		}
		line := fmt.Sprintf("  0x%08x %-9s %-12s %s", f.Offset, f.Type, f.Verdict, f.Summary)
		if f.Verdict == Damaged || f.Verdict == Cut {
			line += ": " + f.Reason
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
