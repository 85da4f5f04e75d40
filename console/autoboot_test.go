package console

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/sim"
)

func TestMenuChoiceAndNamedKeys(t *testing.T) {
	for line, want := range map[string]byte{
		"   4: Entr boot command line interface.": '4',
		"[5] Enter boot command line":             '5',
		"b) command line interface":               'b',
	} {
		if got, ok := menuChoice(line); !ok || got != want {
			t.Errorf("menuChoice(%q) = %q %v, want %q", line, got, ok, want)
		}
	}
	if _, ok := menuChoice("bc000000: 3a20346f 746e4520 ...    o4: Entr boot command line"); ok {
		t.Error("an md line is no menu entry")
	}
	for line, want := range map[string]byte{
		"Press 'x' to stop":                          'x',
		"Press SPACE to abort autoboot in 2 seconds": ' ',
		"Hit SPACE in 3 seconds to stop autoboot":    ' ',
		"Press ESC to enter debug mode ...":          0x1b,
		"Hit ctrl+u to stop autoboot":                0x15,
		`press "s" to stop`:                          's',
	} {
		if got, ok := namedKey(line); !ok || got != want {
			t.Errorf("namedKey(%q) = %q %v, want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{"Hit any key to stop autoboot:  2", "Hit m for menu or any to stop autoboot:    2", "*** Press any key to stop auto run (1 seconds) ***"} {
		if k, ok := namedKey(line); ok {
			t.Errorf("namedKey(%q) = %q: it names no key", line, k)
		}
	}
}

// keyedBoard counts down until it reads its secret, then shows its prompt;
// a silent one shows its prompt only after its wake string.
type keyedBoard struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	mu     sync.Mutex
	typed  []byte
	secret string
	done   bool
}

func newKeyedBoard(secret, banner string) *keyedBoard {
	r, w := io.Pipe()
	b := &keyedBoard{r: r, w: w, secret: secret}
	go w.Write([]byte(banner))
	return b
}

func (b *keyedBoard) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *keyedBoard) Close() error               { b.w.Close(); return b.r.Close() }
func (b *keyedBoard) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.typed = append(b.typed, p...)
	if !b.done && bytes.Contains(b.typed, []byte(b.secret)) {
		b.done = true
		go b.w.Write([]byte("\r\nboot> "))
	} else if b.done {
		go b.w.Write([]byte("\r\nboot> "))
	}
	return len(p), nil
}

// A countdown that ignores Ctrl-C gets the known secret strings in turn.
func TestSecretStringsInTurn(t *testing.T) {
	board := newKeyedBoard("ath", "U-Boot 1.1.4\r\nHit any key to stop autoboot:  3 ")
	con := New(board, Options{Traits: Traits{Prompts: []string{"boot> "}, Autoboot: []Autoboot{{Marker: "to stop autoboot", Keys: []byte{CtrlC},
		Others: [][]byte{[]byte("tpl"), []byte("ath")}}}}})
	defer con.Close()
	go func() { // the countdown ticks until stopped
		for i := 2; i > 0; i-- {
			time.Sleep(300 * time.Millisecond)
			board.mu.Lock()
			done := board.done
			board.mu.Unlock()
			if done {
				return
			}
			board.w.Write([]byte{'\b', '\b', '\b', ' ', byte('0' + i), ' '})
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := con.Sync(ctx); err != nil {
		t.Fatalf("sync: %v (typed %q)", err, board.typed)
	}
	if !bytes.HasPrefix(board.typed, []byte("\x03tplath")) {
		t.Fatalf("typed %q, want Ctrl-C, then tpl, then ath", board.typed)
	}
}

// A console that stays silent until it gets a string of its own: Wake.
func TestWakeString(t *testing.T) {
	board := newKeyedBoard("hello\r", "")
	con := New(board, Options{Traits: Traits{Wake: []byte("hello\r")}})
	defer con.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := con.Sync(ctx); err != nil || con.Prompt() != "boot> " {
		t.Fatalf("sync: %v, prompt %q (typed %q)", err, con.Prompt(), board.typed)
	}
}

// A line editor that keeps control characters (the seed's camera loader):
// a Ctrl-C left in its line spoils the next command's echo; the command is
// typed again, once, and its output is the right one.
func TestEchoRepairedOnce(t *testing.T) {
	p, err := sim.Pipe(sim.Config{Dialect: "winbond", Image: make([]byte, 4096), BootDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := New(p, Options{Traits: Traits{Prompts: []string{"bootloader > "}, Wake: []byte{'\r'}}})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.ClearLine(ctx, []byte{'\r'}); err != nil {
		t.Fatal(err)
	}
	c.Write(ctx, []byte{CtrlC}) // kept in the line
	lines, err := c.Output(ctx, "H")
	if err != nil || len(lines) < 4 || !strings.HasPrefix(lines[3], "H        Display the available commands") {
		t.Fatalf("H printed %q, %v", lines, err)
	}
}

// Vendors' prompts ending in # or $ are not Linux shells; shells and logins are.
func TestLinuxPromptsAndVendorPrompts(t *testing.T) {
	c := &Console{}
	for _, p := range []string{"root@OpenWrt:/# ", "/ # ", "~ # ", "# ", "$ ", "user@box:~$ ", "OpenWrt login: "} {
		if c.runningLinux(p) == "" {
			t.Errorf("%q not taken for Linux", p)
		}
	}
	for _, p := range []string{"MT7628 # ", "hisilicon # ", "IPQ40xx# ", "RT3052 # ", "=> ", "ar7240> ", "Password: ", "SOCFPGA_CYCLONE5 # "} {
		if got := c.runningLinux(p); got != "" {
			t.Errorf("%q taken for Linux", p)
		}
	}
}

// A host that died inside a block of the Winbond loader's XMODEM leaves
// its receiver reading the rest of the block: Ctrl-C and the wake key are
// taken as data, a few CANs too. Sync sends Cancels of them, and finds the
// prompt the cancelled receiver comes back to.
func TestSyncCancelsAReceiverInsideABlock(t *testing.T) {
	p, err := sim.Pipe(sim.Config{Dialect: "winbond", Image: make([]byte, 1<<20), BootDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	traits := Traits{Prompts: []string{"bootloader > "}, Wake: []byte{'\r'}, Cancels: 134}
	c := New(p, Options{Traits: traits})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	c.Write(ctx, []byte("MX 0x100000\r"))
	for { // the receiver asks for the first block
		b, err := c.Next(ctx, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if b == 'C' {
			break
		}
	}
	c.Write(ctx, []byte{0x01, 1, 0xfe, 'd', 'a', 't', 'a'}) // a block begun, never ended
	// A few pokes: Ctrl-C, five CANs and the wake key, then Cancels CANs
	// (about 2.5 s of quiet waits); without them the pokes fill the block
	// six bytes at a time, and take over 8 s.
	sctx, scancel := context.WithTimeout(ctx, 6*time.Second)
	defer scancel()
	if err := c.Sync(sctx); err != nil {
		t.Fatalf("no prompt after a block begun: %v", err)
	}
	if lines, err := c.Output(ctx, "LS"); err != nil || !strings.Contains(strings.Join(lines, "\n"), "No image found!") {
		t.Fatalf("LS printed %q, %v", lines, err)
	}
}
