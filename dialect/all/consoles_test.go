package all

import (
	"bytes"
	"context"
	"github.com/bootdump/bootdump/dialect/registry"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
)

// replay is a board that prints a saved boot log, up to its countdown or
// menu, then waits for keys: the first key it gets is what bootdump chose
// to stop it with; after it, the board shows its prompt (again for every
// key, as a prompt answers Ctrl-C or an empty line).
type replay struct {
	prompt string
	out    chan []byte
	mu     sync.Mutex
	first  []byte // the first write
	closed chan struct{}
	once   sync.Once
}

func newReplay(log []byte, prompt string) *replay {
	r := &replay{prompt: prompt, out: make(chan []byte, 64), closed: make(chan struct{})}
	// Line ends as a UART sends them, in pieces as they arrive.
	text := bytes.ReplaceAll(log, []byte("\n"), []byte("\r\n"))
	for len(text) > 0 {
		n := min(len(text), 100)
		r.out <- text[:n]
		text = text[n:]
	}
	return r
}

func (r *replay) Read(p []byte) (int, error) {
	select {
	case b := <-r.out:
		return copy(p, b), nil
	case <-r.closed:
		return 0, io.EOF
	}
}

func (r *replay) Write(p []byte) (int, error) {
	r.mu.Lock()
	if r.first == nil {
		r.first = bytes.Clone(p)
	}
	r.mu.Unlock()
	r.out <- []byte("\r\n" + r.prompt)
	return len(p), nil
}

func (r *replay) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

func (r *replay) firstKeys() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// The boot logs in testdata/consoles (public logs of real boards; their
// sources are in the README there): the console finds the bootloader's
// countdown or menu and answers it with the right key, and finds its
// prompt; detection names the bootloader.
func TestConsoleLogs(t *testing.T) {
	cases := []struct {
		file, dialect, prompt string
		key                   []byte
	}{
		{"uboot-2023.01-qemu-arm.log", "uboot", "=> ", []byte{console.CtrlC}},
		{"ralink-mt7628-mss310.log", "ralink", "MT7628 # ", []byte("4")},
		{"ralink-rt5350.log", "ralink", "RT5350 # ", []byte("4")},
		{"lsdk-ar9132-tl-wr1043nd.log", "lsdk", "ar7100> ", []byte("tpl")},
		{"winbond-w90n745-ipcam.log", "winbond", "bootloader > ", []byte{0x1b}},
		{"cfe-bcm96838.log", "cfe", "CFE> ", []byte{console.CtrlC}},
		{"redboot-na1400.log", "redboot", "RedBoot> ", []byte{console.CtrlC}},
		{"barebox-phycore-imx6ull.log", "barebox", "barebox@PHYTEC phyCORE-i.MX6 ULL SOM with eMMC:/ ", []byte{console.CtrlC}},
		{"openbios-qemu-mac99.log", "openbios", "0 > ", []byte{console.CtrlC}},
		{"slof-qemu-pseries.log", "slof", "0 > ", []byte{console.CtrlC}},
		{"uefi-shell-ovmf-q35.log", "uefi-shell", "Shell> ", []byte{0x1b}},
	}
	logs, _ := filepath.Glob("../../testdata/consoles/*.log")
	if len(logs) != len(cases) {
		t.Fatalf("%d logs in testdata/consoles, %d cases here", len(logs), len(cases))
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			log, err := os.ReadFile(filepath.Join("../../testdata/consoles", c.file))
			if err != nil {
				t.Fatal(err)
			}
			board := newReplay(log, c.prompt)
			con := console.New(board, registry.ConsoleOptions(console.Options{IdleTimeout: 2 * time.Second}, registry.All()))
			defer con.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := con.Sync(ctx); err != nil {
				t.Fatalf("sync: %v", err)
			}
			if got := board.firstKeys(); !bytes.Equal(got, c.key) {
				t.Fatalf("stopped it with %q, want %q", got, c.key)
			}
			if con.Prompt() != c.prompt {
				t.Fatalf("prompt %q, want %q", con.Prompt(), c.prompt)
			}
			found, err := registry.Detect(ctx, con, registry.All())
			if err != nil || found.Bootloader.Name != c.dialect {
				t.Fatalf("detected %q (%s), %v; want %s", found.Bootloader.Name, found.Reason, err, c.dialect)
			}
		})
	}
}
