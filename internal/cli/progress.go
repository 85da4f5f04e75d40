package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
)

// progressView shows long work: a one-line bar on a terminal, fitted to
// its width, with log lines printed above it; a line every few seconds
// otherwise.
type progressView struct {
	w     io.Writer
	logs  *logSink
	label string
	mu    sync.Mutex
	start time.Time
	first uint64 // bytes done when this run started (resumed)
	// flowing is when the first bytes came (after a setup that may take
	// long), and how many were done then: the rate counts from there.
	flowing     time.Time
	flowingDone uint64
	last        dump.Progress
	// terminal
	p   *mpb.Progress
	bar *mpb.Bar
	// plain
	lastLog time.Time
	logged  uint64 // bytes done at the last log line
}

// newProgressView shows progress on standard error; while its bar is on
// screen, log lines go above it rather than through it.
func (a *app) newProgressView(label string) *progressView {
	v := &progressView{w: a.stderr, logs: a.logs, label: label}
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cw := cupwriter.New(carriageReturn{f}, false)
		cw.SetTermFd(int(f.Fd()))
		v.p = mpb.New(mpb.WithConsoleWriter(cw), mpb.WithWidth(30), mpb.WithRefreshRate(200*time.Millisecond))
	}
	return v
}

func (v *progressView) update(p dump.Progress) {
	if bar := v.show(p); bar != nil {
		// Outside the lock: the bar's decorators take it while it draws.
		bar.SetCurrent(int64(p.Done))
	}
}

// show keeps p for the bar to draw, or logs it; it returns the bar, if
// there is one.
func (v *progressView) show(p dump.Progress) *mpb.Bar {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	if v.start.IsZero() {
		v.start, v.first = now, p.Done
		if v.p != nil {
			v.bar = v.p.AddBar(int64(p.Total),
				mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return v.locked(v.head) })),
				mpb.AppendDecorators(decor.Any(func(s decor.Statistics) string {
					return v.locked(func() string { return fit(v.fields(), s.AvailableWidth) })
				})),
			)
			v.logs.above(v.p)
		}
	}
	// A new kind of wait is worth a line; its counter going up is not
	// ("finding erased chunks: 2/16" after "1/16").
	if v.flowing.IsZero() && p.Done > v.first {
		v.flowing, v.flowingDone = now, p.Done
	}
	changed := waitKind(p.Waiting) != waitKind(v.last.Waiting)
	v.last = p
	if v.bar != nil {
		return v.bar
	}
	if now.Sub(v.lastLog) >= 5*time.Second || (p.Done == p.Total && v.logged != p.Done) || (changed && p.Waiting != "") {
		v.logged = p.Done
		v.lastLog = now
		fmt.Fprintf(v.w, "%s %s\n", v.head(), fit(v.fields(), 1<<16))
	}
	return nil
}

// waitKind is what a wait is, without how far it is.
func waitKind(waiting string) string {
	kind, _, _ := strings.Cut(waiting, ":")
	return kind
}

// minBar is the narrowest bar worth drawing (with its two spaces).
const minBar = 12

func (v *progressView) locked(text func() string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return text()
}

// head is what starts the line: what runs, and how far it is.
func (v *progressView) head() string {
	return fmt.Sprintf("%s %.0f%%", v.label, 100*float64(v.last.Done)/float64(max(v.last.Total, 1)))
}

// field is a piece of the progress line after the bar, in words and in
// short; when the terminal is narrow, the short forms come first, then the
// highest ranks are left out, rank 0 never.
type field struct {
	text, short string
	rank        int
}

func (v *progressView) fields() []field {
	p := v.last
	fs := []field{{sizeOf(p.Done, p.Total, words.Size), sizeOf(p.Done, p.Total, shortSize), 2}}
	add := func(n uint64, what string, rank int) {
		if n > 0 {
			fs = append(fs, field{what + " " + words.Size(n), what + " " + shortSize(n), rank})
		}
	}
	add(p.Dumped, "dumped", 3)
	add(p.Erased, "erased", 3)
	add(p.FromBase, "from base", 3)
	add(p.Resumed, "resumed", 4)
	note := func(text string, rank int) {
		fs = append(fs, field{text, text, rank})
	}
	if p.Retries > 0 {
		note(words.Plural(p.Retries, "retry"), 1)
	}
	if p.Resets > 0 {
		note(words.Plural(p.Resets, "reset"), 1)
	}
	if p.Reader != "" {
		note(p.Reader, 5)
	}
	rate, eta := v.rateAndETA()
	if rate != "" {
		note(rate, 4)
	}
	note(eta, 0)
	return fs
}

// fit joins as many fields as width holds beside a bar of minBar, leaving
// out the highest ranks first. When the words of rank 3 and below do not
// fit beside a bar, the bar goes: they take the whole width, in short if
// need be.
func fit(fs []field, width int) string {
	join := func(rank int, short bool) string {
		var kept []string
		for _, f := range fs {
			switch {
			case f.rank > rank:
			case short:
				kept = append(kept, f.short)
			default:
				kept = append(kept, f.text)
			}
		}
		return strings.Join(kept, ", ")
	}
	for rank := 5; rank >= 3; rank-- {
		if s := join(rank, false); len(s)+minBar <= width {
			return s
		}
	}
	for rank := 3; rank >= 0; rank-- {
		for _, short := range []bool{false, true} {
			if s := " " + join(rank, short); len(s) <= width || rank == 0 && short {
				// As wide as the space, so that no bar is drawn.
				return fmt.Sprintf("%-*.*s", width, max(width, 0), s)
			}
		}
	}
	return ""
}

// rateAndETA says how fast this run goes (resumed bytes took no time) and
// when it ends: the engine's estimate where it gives one, else from the
// rate.
func (v *progressView) rateAndETA() (rate, eta string) {
	p := v.last
	if p.Total > 0 && p.Done >= p.Total {
		return "", "done"
	}
	// From the first bytes on: a slow setup before them (the binary
	// reader typed in) is no part of the rate the rest goes at.
	var secs, got float64
	if !v.flowing.IsZero() {
		secs, got = time.Since(v.flowing).Seconds(), float64(p.Done-v.flowingDone)
	}
	if secs >= 0.5 && got > 0 {
		rate = words.Size(uint64(got/secs)) + "/s"
	}
	if p.Waiting != "" {
		return rate, p.Waiting
	}
	left, ok := p.ETA()
	if !ok && rate != "" && p.Dumped+p.Erased+p.FromBase == 0 {
		left, ok = time.Duration(float64(p.Total-p.Done)/(got/secs)*float64(time.Second)), true
	}
	if !ok {
		return rate, "starting"
	}
	return rate, "ETA " + left.Round(time.Second).String()
}

// finish stops the bar, leaving its last state on screen, so that what
// follows prints below it.
func (v *progressView) finish() {
	if v.bar != nil {
		v.logs.above(nil)
		v.bar.Abort(false)
		v.p.Wait()
	}
}

// carriageReturn starts each redraw of the bar at the start of a line:
// the ^C a terminal echoes moves the cursor, and the bar, which goes up a
// line to redraw itself, would start two columns in.
type carriageReturn struct{ w io.Writer }

func (c carriageReturn) Write(p []byte) (int, error) {
	if _, err := c.w.Write(append([]byte{'\r'}, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// logSink is where log lines go: standard error, or above a progress bar
// while one is on screen.
type logSink struct {
	mu  sync.Mutex
	w   io.Writer
	bar io.Writer
}

func (s *logSink) above(bar io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bar = bar
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	bar := s.bar
	s.mu.Unlock()
	if bar != nil {
		if n, err := bar.Write(p); err == nil {
			return n, nil
		}
	}
	return s.w.Write(p)
}

// sizeOf says how far, in the unit of the whole: 255.4/512 KiB, or in
// short 255.4/512K.
func sizeOf(done, total uint64, size func(uint64) string) string {
	whole := size(total)
	unit := strings.TrimLeft(whole, "0123456789. ")
	scale := map[string]float64{"GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10, "G": 1 << 30, "M": 1 << 20, "K": 1 << 10}[unit]
	if scale == 0 {
		return fmt.Sprintf("%d/%s", done, whole)
	}
	part := float64(done) / scale
	if part >= 100 {
		return fmt.Sprintf("%.0f/%s", part, whole)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", part), ".0") + "/" + whole
}

// shortSize is a size in few characters: 512, 64K, 1.5M.
func shortSize(n uint64) string {
	s := words.Size(n)
	for long, short := range map[string]string{" GiB": "G", " MiB": "M", " KiB": "K", " bytes": ""} {
		s = strings.Replace(s, long, short, 1)
	}
	return s
}

// stepBars shows work of several steps (an upload, then a read-back), a
// bar each, labelled prefix and the step's name: progress is a
// restore.Options.Progress; finish ends the last bar.
func (a *app) stepBars(prefix string) (progress func(done, total int, what string), finish func()) {
	var view *progressView
	step := ""
	progress = func(done, total int, what string) {
		if what != step {
			if view != nil {
				view.finish()
			}
			step, view = what, a.newProgressView(strings.TrimSpace(prefix+" "+what))
		}
		view.update(dump.Progress{Done: uint64(done), Total: uint64(total)})
	}
	finish = func() {
		if view != nil {
			view.finish()
		}
	}
	return progress, finish
}
