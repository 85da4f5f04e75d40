package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimTransports: the in-process sim: port and `bootdump sim --listen`
// over TCP give the same identical image as the pty.
func TestSimTransports(t *testing.T) {
	img := randomBytes(128<<10, 5)
	dir := t.TempDir()
	fw := filepath.Join(dir, "fw.bin")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("sim port", func(t *testing.T) {
		out := filepath.Join(dir, "sim.bin")
		dumpOK(t, img, "-p", "sim:uboot?image="+fw+"&order=be&layout=old", "--addr", "0x04000000", "--size", "128K", "-o", out)
	})

	t.Run("sim --listen", func(t *testing.T) {
		server := exec.Command(binary, "sim", "--dialect", "uboot", "--image", fw, "--base", "0x80000000",
			"--baud", "0", "--listen", "tcp://127.0.0.1:0")
		stdout, err := server.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			server.Process.Kill()
			server.Wait()
		}()
		addr, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(addr, "tcp://127.0.0.1:") {
			t.Fatalf("sim printed %q, %v", addr, err)
		}
		out := filepath.Join(dir, "tcp.bin")
		dumpOK(t, img, "-p", strings.TrimSpace(addr), "--addr", "0x80000000", "--size", "128K", "-o", out)
	})
}
