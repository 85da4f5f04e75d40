package cli

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/dump"
)

// The words after the bar never take more than the room there is: short
// forms first, then the least important words, then the bar goes; the
// ETA stays.
func TestProgressFits(t *testing.T) {
	v := &progressView{label: "dump", start: time.Now().Add(-10 * time.Second), flowing: time.Now().Add(-9 * time.Second)}
	v.last = dump.Progress{Done: 700 << 10, Total: 16 << 20, Dumped: 500 << 10, Erased: 200 << 10, Resumed: 64 << 10,
		Retries: 3, Resets: 1, Reader: "md.l", ReadBytes: 500 << 10, ReadTime: 9 * time.Second, SkipBytes: 200 << 10, SkipTime: time.Second, Elapsed: 10 * time.Second}
	for _, tc := range []struct {
		width     int
		want, not []string
	}{
		{200, []string{"0.7/16 MiB", "dumped 500 KiB", "erased 200 KiB", "resumed 64 KiB", "3 retries", "1 reset", "md.l", "KiB/s", "ETA "}, nil},
		{90, []string{"dumped 500 KiB", "3 retries", "ETA "}, []string{"md.l"}},
		{70, []string{"0.7/16M", "dumped 500K", "erased 200K", "3 retries", "ETA "}, []string{"KiB/s"}},
		{50, []string{"3 retries", "1 reset", "ETA "}, []string{"dumped"}},
		{20, []string{"ETA "}, []string{"dumped"}},
	} {
		got := fit(v.fields(), tc.width)
		if len(got) > tc.width {
			t.Errorf("at %d: %d columns: %q", tc.width, len(got), got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("at %d: %q lacks %q", tc.width, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("at %d: %q has %q", tc.width, got, w)
			}
		}
	}
}

// The rate counts from the first bytes: a setup of 40 s before them (the
// binary reader typed in with mw.l) does not drag it down.
func TestRateAfterSlowSetup(t *testing.T) {
	v := &progressView{label: "dump", w: io.Discard}
	v.show(dump.Progress{Total: 1 << 20})
	v.start = time.Now().Add(-50 * time.Second) // the setup
	v.show(dump.Progress{Done: 64 << 10, Total: 1 << 20})
	v.flowing = time.Now().Add(-10 * time.Second)
	v.show(dump.Progress{Done: 64<<10 + 100<<10, Total: 1 << 20})
	if rate, _ := v.rateAndETA(); rate != "10 KiB/s" {
		t.Fatalf("rate %q, want 10 KiB/s (100 KiB in the 10 s since the first bytes)", rate)
	}
}
