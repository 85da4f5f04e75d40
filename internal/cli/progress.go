package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/bootdump/bootdump/dump"
)

// progressView shows a dump's progress: a bar on a terminal, a log line
// every few seconds otherwise.
type progressView struct {
	w     io.Writer
	label string
	mu    sync.Mutex
	start time.Time
	first uint64 // bytes done when this run started (resumed)
	last  dump.Progress
	// terminal
	p   *mpb.Progress
	bar *mpb.Bar
	// plain
	lastLog time.Time
	logged  uint64 // bytes done at the last log line
}

func newProgressView(w io.Writer, label string) *progressView {
	v := &progressView{w: w, label: label}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		v.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
	}
	return v
}

func (v *progressView) update(p dump.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	if v.start.IsZero() {
		v.start, v.first = now, p.Done
		if v.p != nil {
			v.bar = v.p.AddBar(int64(p.Total),
				mpb.PrependDecorators(decor.Name(v.label+" "), decor.CountersKibiByte("% .1f / % .1f")),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return v.rateAndETA() })),
			)
		}
	}
	changed := p.Waiting != v.last.Waiting
	v.last = p
	if v.bar != nil {
		v.bar.SetCurrent(int64(p.Done))
		return
	}
	if now.Sub(v.lastLog) >= 5*time.Second || (p.Done == p.Total && v.logged != p.Done) || (changed && p.Waiting != "") {
		v.logged = p.Done
		v.lastLog = now
		fmt.Fprintf(v.w, "%s: %d/%d bytes (%.0f%%), %s\n", v.label, p.Done, p.Total, 100*float64(p.Done)/float64(max(p.Total, 1)), v.rateAndETA())
	}
}

// rateAndETA counts only this run's bytes: resumed ones took no time.
func (v *progressView) rateAndETA() string {
	if v.last.Waiting != "" {
		return v.last.Waiting
	}
	secs := time.Since(v.start).Seconds()
	got := float64(v.last.Done - v.first)
	switch {
	case v.last.Total > 0 && v.last.Done >= v.last.Total:
		return "done"
	case secs < 0.5 || got <= 0:
		return "starting"
	}
	rate := got / secs
	eta := time.Duration(float64(v.last.Total-v.last.Done) / rate * float64(time.Second)).Round(time.Second)
	s := fmt.Sprintf("%.1f KiB/s, ETA %s", rate/1024, eta)
	if v.last.Retries > 0 {
		s += fmt.Sprintf(", %d retries", v.last.Retries)
	}
	return s
}

// finish stops the bar so the summary prints below it.
func (v *progressView) finish() {
	if v.bar != nil {
		v.bar.Abort(false)
		v.p.Wait()
	}
}
