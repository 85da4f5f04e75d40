//go:build unix

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A terminal the tests drive as a person would: tmux, on a server of its
// own, with a fixed width.
type terminal struct {
	t      *testing.T
	socket string
}

func newTerminal(t *testing.T, width int, command string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
			t.Fatal("tmux is missing, and BOOTDUMP_REQUIRE_TOOLS=1")
		}
		t.Skip("tmux is missing: ./scripts/test installs it")
	}
	term := &terminal{t: t, socket: filepath.Join(t.TempDir(), "tmux")}
	// The shell prints the exit status, and stays so the screen can be read.
	term.tmux("-f", "/dev/null", "new-session", "-d", "-x", strconv.Itoa(width), "-y", "30",
		command+"; echo exit=$?; sleep 600")
	t.Cleanup(func() { exec.Command("tmux", "-S", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows now, one string a row.
func (term *terminal) screen() []string {
	rows := strings.Split(strings.TrimRight(term.tmux("capture-pane", "-p"), "\n"), "\n")
	for i := range rows {
		rows[i] = strings.TrimRight(rows[i], " ")
	}
	return rows
}

// waitFor reads the screen until a row satisfies ok, and returns it.
func (term *terminal) waitFor(what string, within time.Duration, ok func(row string) bool) string {
	term.t.Helper()
	deadline := time.Now().Add(within)
	for {
		rows := term.screen()
		for _, r := range rows {
			if ok(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("no %s within %v; the screen:\n%s", what, within, strings.Join(rows, "\n"))
		}
		time.Sleep(50 * time.Millisecond) // polling a screen: nothing to wait on
	}
}

var progressRow = regexp.MustCompile(`^dump +(\d+)% (.*)$`)

// etaIn reads the estimate at the end of a progress row.
var etaIn = regexp.MustCompile(`ETA ((?:\d+m)?\d+s)$`)

// surveying is what the row ends in while the checksums are asked first.
var surveying = regexp.MustCompile(`finding erased chunks: \d+/\d+$`)

// firmwareLike is 384 KiB laid out as flash often is: data at the start
// (bootloader, kernel), a file system in the middle, a little near the end,
// and erased space between.
func firmwareLike(t *testing.T, dir string) string {
	flash := bytes.Repeat([]byte{0xff}, 384<<10)
	data := randomBytes(len(flash), 17)
	for _, r := range [][2]int{{0, 80 << 10}, {192 << 10, 224 << 10}, {320 << 10, 336 << 10}} {
		copy(flash[r[0]:r[1]], data[r[0]:])
	}
	return writeFile(t, filepath.Join(dir, "flash.bin"), flash)
}

func dumpCommand(img, out string) string {
	return fmt.Sprintf("%s dump -p 'sim:uboot?image=%s&bootdelay=0&baud=230400' -b 230400 --addr 0x04000000 --size 384K --chunk 8K -o %s",
		binary, img, out)
}

// TestTerminalProgress: the progress line of a dump with erased chunks,
// as a terminal shows it. At 60 and at 120 columns it stays on one row (the
// least important words left out at 60, then the bar), says how much was
// dumped and how much skipped as erased, and from the middle on its ETA is
// within 25% (and the second it is rounded to) of the time that was left.
func TestTerminalProgress(t *testing.T) {
	for _, width := range []int{60, 120} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "out.bin")
			term := newTerminal(t, width, dumpCommand(firmwareLike(t, dir), out))
			type estimate struct {
				at      time.Time
				percent int
				eta     time.Duration
			}
			var estimates []estimate
			var end time.Time
			for deadline := time.Now().Add(3 * time.Minute); end.IsZero(); {
				if time.Now().After(deadline) {
					t.Fatalf("the dump did not end; the screen:\n%s", strings.Join(term.screen(), "\n"))
				}
				now := time.Now()
				for _, row := range term.screen() {
					m := progressRow.FindStringSubmatch(row)
					switch {
					case m != nil:
						if len(row) > width {
							t.Fatalf("a progress row of %d columns at %d: %q", len(row), width, row)
						}
						if !strings.HasSuffix(row, "done") && !strings.HasSuffix(row, "starting") && !etaIn.MatchString(row) && !surveying.MatchString(row) {
							t.Fatalf("the progress row does not end in its ETA (wrapped?): %q", row)
						}
						percent, _ := strconv.Atoi(m[1])
						if eta := etaIn.FindStringSubmatch(row); eta != nil {
							d, _ := time.ParseDuration(eta[1])
							estimates = append(estimates, estimate{now, percent, d})
						}
						if percent >= 40 && percent < 100 && (!strings.Contains(row, "dumped ") || !strings.Contains(row, "erased ")) {
							t.Fatalf("the progress row does not say what was dumped and what was erased: %q", row)
						}
						if width == 120 && percent < 100 && !strings.Contains(row, "[") {
							t.Fatalf("no bar at 120 columns: %q", row)
						}
						if strings.HasSuffix(row, "done") && end.IsZero() {
							end = now
						}
					case strings.HasPrefix(row, "exit="):
						if row != "exit=0" {
							t.Fatalf("the dump failed; the screen:\n%s", strings.Join(term.screen(), "\n"))
						}
					}
				}
				time.Sleep(100 * time.Millisecond) // the screen's next look
			}
			took := end.Sub(estimates[0].at)
			checked := 0
			for _, e := range estimates {
				left := end.Sub(e.at)
				if e.percent < 50 || left < took/10 {
					continue
				}
				checked++
				if off := (e.eta - left).Abs(); off > left/4+time.Second {
					t.Errorf("at %d%% the ETA said %v; %v was left", e.percent, e.eta, left.Round(100*time.Millisecond))
				}
			}
			if checked < 5 {
				t.Fatalf("only %d estimates from the middle on", checked)
			}
			t.Logf("%d columns: %d estimates from the middle on within 25%%; the dump took %v", width, checked, took.Round(100*time.Millisecond))
			term.waitFor("summary", 10*time.Second, func(r string) bool { return strings.HasPrefix(r, "done: 384 KiB at 0x4000000") })
		})
	}
}

// TestTerminalInterrupt: Ctrl-C in the middle of a dump leaves the
// progress row whole (the ^C the terminal echoes does not shift it), then
// one sentence saying what is kept, and exit status 1.
func TestTerminalInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.bin")
	term := newTerminal(t, 60, dumpCommand(firmwareLike(t, dir), out))
	term.waitFor("progress past 25%", time.Minute, func(r string) bool {
		m := progressRow.FindStringSubmatch(r)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		return n >= 25
	})
	term.tmux("send-keys", "C-c")
	term.waitFor("exit status", 30*time.Second, func(r string) bool { return strings.HasPrefix(r, "exit=") })
	rows := term.screen()
	screen := strings.Join(rows, "\n")
	var progress, message int = -1, -1
	for i, r := range rows {
		if progressRow.MatchString(r) {
			progress = i
		}
		if strings.HasPrefix(r, "bootdump: interrupted: ") {
			message = i
		}
	}
	if progress < 0 || message != progress+1 {
		t.Fatalf("want the progress row, then the message; the screen:\n%s", screen)
	}
	if !strings.Contains(screen, "exit=1") || !strings.Contains(strings.ReplaceAll(screen, "\n", ""), "run the same command again to resume") {
		t.Fatalf("the screen:\n%s", screen)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an interrupted dump left its output file")
	}
	if _, err := os.Stat(out + ".bootdump.json"); err != nil {
		t.Fatalf("the journal: %v", err)
	}
}

// TestTerminalConsole: bootdump console in a terminal: a command typed to
// the simulated board is answered, and Ctrl-] leaves, exit status 0.
func TestTerminalConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := writeFile(t, filepath.Join(dir, "img.bin"), randomBytes(4096, 5))
	term := newTerminal(t, 80, fmt.Sprintf("%s console -p 'sim:uboot?image=%s&bootdelay=0'", binary, img))
	term.waitFor("the console's greeting", 30*time.Second, func(r string) bool { return strings.Contains(r, "Ctrl-] leaves") })
	term.waitFor("the prompt", 30*time.Second, func(r string) bool { return r == "=>" })
	term.tmux("send-keys", "version", "Enter")
	term.waitFor("the board's answer", 30*time.Second, func(string) bool {
		rows := term.screen()
		for i := range rows[:len(rows)-1] {
			if rows[i] == "=> version" && strings.HasPrefix(rows[i+1], "U-Boot 2023.01") {
				return true
			}
		}
		return false
	})
	term.tmux("send-keys", "C-]")
	term.waitFor("exit status", 30*time.Second, func(r string) bool { return strings.HasPrefix(r, "exit=") })
	if screen := strings.Join(term.screen(), "\n"); !strings.Contains(screen, "exit=0") || !strings.Contains(screen, "left the console") {
		t.Fatalf("the screen:\n%s", screen)
	}
}
