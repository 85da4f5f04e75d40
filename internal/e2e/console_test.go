package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConsoleCommand: bootdump console types a command to the simulated
// board, shows its answer, keeps it in --log, and leaves at Ctrl-].
func TestConsoleCommand(t *testing.T) {
	dir := t.TempDir()
	img := writeFile(t, filepath.Join(dir, "img.bin"), randomBytes(4096, 5))
	logPath := filepath.Join(dir, "session.txt")
	cmd := exec.Command(binary, "console", "-p", "sim:uboot?image="+img+"&bootdelay=0", "--log", logPath)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out bytes.Buffer
	answered := make(chan struct{})
	var once sync.Once
	cmd.Stdout = writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		out.Write(p)
		if strings.Contains(out.String(), "U-Boot 2023.01") {
			once.Do(func() { close(answered) })
		}
		return len(p), nil
	})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	shows := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(out.String(), s)
	}
	stdin.Write([]byte("version\r"))
	select {
	case <-answered:
	case <-time.After(20 * time.Second):
	}
	stdin.Write([]byte{0x1d}) // Ctrl-]
	if err := cmd.Wait(); err != nil || !shows("U-Boot 2023.01") {
		t.Fatalf("console: %v\nstdout %q\nstderr %s", err, out.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "Ctrl-] leaves") || !strings.Contains(stderr.String(), "left the console") {
		t.Fatalf("stderr: %s", stderr.String())
	}
	if b, err := os.ReadFile(logPath); err != nil || !bytes.Contains(b, []byte("U-Boot 2023.01")) {
		t.Fatalf("--log holds %q, %v", b, err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
