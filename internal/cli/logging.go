package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// humanHandler writes log records as short lines for people: the
// sentence alone; warnings and errors say so and give their details in
// parentheses; with verbose, every record with its details and the time.
type humanHandler struct {
	w       io.Writer
	mu      *sync.Mutex
	verbose bool
	attrs   []slog.Attr
}

func newHumanHandler(w io.Writer, verbose bool) *humanHandler {
	return &humanHandler{w: w, mu: &sync.Mutex{}, verbose: verbose}
}

func (h *humanHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.verbose || l >= slog.LevelInfo
}

func (h *humanHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	if h.verbose {
		b.WriteString(r.Time.Format("15:04:05.000 "))
	}
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	b.WriteString(r.Message)
	if h.verbose || r.Level >= slog.LevelWarn {
		var details []string
		add := func(a slog.Attr) bool {
			if a.Key != "" {
				details = append(details, a.Key+" "+value(a.Value))
			}
			return true
		}
		for _, a := range h.attrs {
			add(a)
		}
		r.Attrs(add)
		if len(details) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(details, ", "))
		}
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// value shows text with spaces or odd characters quoted.
func value(v slog.Value) string {
	s := v.Resolve().String()
	if v.Kind() == slog.KindString && (s == "" || strings.ContainsAny(s, " \t\r\n\"\\") || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) >= 0) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func (h *humanHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr{}, h.attrs...), attrs...)
	return &c
}

func (h *humanHandler) WithGroup(string) slog.Handler { return h }

// logHandler is the handler --log-format names: human (default), text
// (key=value, as logfmt), json (a record a line, for machines).
func logHandler(w io.Writer, format string, verbose bool) (slog.Handler, error) {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	opt := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "human":
		return newHumanHandler(w, verbose), nil
	case "text":
		return slog.NewTextHandler(w, opt), nil
	case "json":
		return slog.NewJSONHandler(w, opt), nil
	}
	return nil, usagef("--log-format %q: human, text or json", format)
}
