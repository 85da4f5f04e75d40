package xfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// lrzsz starts one of lrzsz's receivers (rb, rx) in dir, talking over its
// standard input and output.
func lrzsz(t *testing.T, dir string, args ...string) (Line, func() error) {
	t.Helper()
	path, err := exec.LookPath(args[0])
	if err != nil {
		msg := args[0] + " is not installed (Debian package lrzsz; ./scripts/test installs it)"
		if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line := NewLine(struct {
		io.Reader
		io.Writer
	}{stdout, stdin})
	return line, func() error {
		stdin.Close()
		err := cmd.Wait()
		if err != nil {
			t.Logf("%s: %s", args[0], stderr.String())
		}
		return err
	}
}

func data(n int, seed uint64, tail ...byte) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return append(b[:max(0, n-len(tail))], tail...)
}

var sizes = []int{1, 127, 128, 129, 1023, 1024, 1025, 3000, 70000}

func TestYMODEMToLrzsz(t *testing.T) {
	for i, n := range sizes {
		want := data(n, uint64(i))
		if i%2 == 1 {
			want = data(n, uint64(i), 0x1a, 0x1a, 0x1a) // ends like XMODEM's padding
		}
		dir := t.TempDir()
		line, wait := lrzsz(t, dir, "rb", "-b", "-q", "-t", "50")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := SendYMODEM(ctx, line, "img.bin", want, Options{Timeout: 3 * time.Second})
		cancel()
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if err := wait(); err != nil {
			t.Fatalf("%d bytes: rb: %v", n, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "img.bin"))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: rb wrote %d bytes (%v), not the file", n, len(got), err)
		}
	}
}

func TestXMODEMToLrzsz(t *testing.T) {
	modes := []struct {
		name string
		args []string
		opt  Options
	}{
		{"crc", []string{"rx", "-b", "-q", "-c", "out.bin"}, Options{}},
		{"checksum", []string{"rx", "-b", "-q", "out.bin"}, Options{}},
		{"1k", []string{"rx", "-b", "-q", "-c", "out.bin"}, Options{Block1K: true}},
	}
	for _, m := range modes {
		for i, n := range sizes {
			want := data(n, uint64(i)+100, 0x1a)
			dir := t.TempDir()
			line, wait := lrzsz(t, dir, m.args...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			opt := m.opt
			opt.Timeout = 3 * time.Second
			err := SendXMODEM(ctx, line, want, opt)
			cancel()
			if err != nil {
				t.Fatalf("%s, %d bytes: %v", m.name, n, err)
			}
			if err := wait(); err != nil {
				t.Fatalf("%s, %d bytes: rx: %v", m.name, n, err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, "out.bin"))
			// XMODEM has no size: the receiver keeps whole blocks, the
			// last padded with 0x1A.
			if len(got) < n || !bytes.Equal(got[:n], want) || len(bytes.Trim(got[n:], "\x1a")) != 0 {
				t.Fatalf("%s, %d bytes: rx wrote %d bytes, not the file and its padding", m.name, n, len(got))
			}
		}
	}
}

// lrzsz's --errors spoils a block every N bytes: each is sent again.
func TestRetransmission(t *testing.T) {
	want := data(20000, 7)
	dir := t.TempDir()
	line, wait := lrzsz(t, dir, "rb", "-b", "-q", "--errors", "5000")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := SendYMODEM(ctx, line, "img.bin", want, Options{Timeout: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "img.bin"))
	if !bytes.Equal(got, want) {
		t.Fatalf("rb wrote %d bytes, not the file", len(got))
	}
}

// A receiver that cancels (CAN CAN) stops the sender at once; one that
// never starts makes it give up after Start.
func TestCancelAndSilence(t *testing.T) {
	line, sent := scripted(t, crcReq, can, can)
	err := SendXMODEM(context.Background(), line, data(1000, 1), Options{Timeout: time.Second})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("after CAN CAN: %v", err)
	}
	err = SendYMODEM(context.Background(), line, "x", data(10, 1), Options{Start: 200 * time.Millisecond})
	if err == nil || !bytes.HasSuffix(sent.Bytes(), bytes.Repeat([]byte{'\b'}, 8)) {
		t.Fatalf("with no receiver: %v, sent % x", err, sent.Bytes())
	}
}

func TestCRC16(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0x31c3 {
		t.Fatalf("crc16 = %#x, want 0x31c3 (CRC-16/XMODEM check value)", got)
	}
}

// A receiver that keeps what it NAKs (the Winbond loader's XMODEM) must
// not get the block again: the transfer ends, and the receiver is
// cancelled.
func TestNoResend(t *testing.T) {
	line, sent := scripted(t, crcReq, ack, nak)
	err := SendXMODEM(context.Background(), line, data(1000, 1), Options{Timeout: time.Second, NoResend: true})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("after a NAK: %v", err)
	}
	// Two blocks of 133 bytes (CRC-16), then the cancel.
	if b := sent.Bytes(); len(b) != 2*133+16 || !bytes.HasPrefix(b[2*133:], bytes.Repeat([]byte{can}, 8)) {
		t.Fatalf("sent %d bytes, ending % x", len(b), b[max(0, len(b)-16):])
	}
}

// scripted is a receiver that answers with answers, in order, whatever it
// is sent, and then says nothing; sent holds what it was sent.
func scripted(t *testing.T, answers ...byte) (Line, *bytes.Buffer) {
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	sent := new(bytes.Buffer)
	line := NewLine(struct {
		io.Reader
		io.Writer
	}{r, sent})
	go w.Write(answers)
	return line, sent
}
