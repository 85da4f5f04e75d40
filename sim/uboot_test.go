package sim

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// captureSegments splits a raw console capture into "=> command\r\n" plus
// its output, one segment per command.
func captureSegments(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(raw), "\r\n=> ")
	var segs []string
	for _, p := range parts[1:] {
		if p != "" {
			segs = append(segs, "=> "+p+"\r\n")
		}
	}
	return segs
}

// captureImage rebuilds the flash the capture shows: the repeated text,
// the bytes md.b printed at 0x102, the counting pattern md printed at
// 0x2000, and erased flash from 1 MiB on (the capture's crc32 and cmp of
// 0x04100000 show 0xff there).
func captureImage(t *testing.T, segs []string) []byte {
	t.Helper()
	img := bytes.Repeat([]byte("bootdump reference flash image. "), 0x100000/32)
	img = append(img, bytes.Repeat([]byte{0xff}, 0x10000)...)
	for _, s := range segs {
		lines := strings.Split(s, "\r\n")
		switch {
		case strings.HasPrefix(lines[0], "=> md.b 0x04000102"),
			strings.HasPrefix(lines[0], "=> md 0x04002000"),
			strings.HasPrefix(lines[0], "=> md.q 0x04002000"):
		default:
			continue
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if len(f) < 2 {
				continue
			}
			addr, _ := strconv.ParseUint(strings.TrimSuffix(f[0], ":"), 16, 64)
			off := addr - 0x04000000
			for _, u := range f[1:] {
				v, err := strconv.ParseUint(u, 16, 64)
				if err != nil || (len(u) != 2 && len(u) != 8 && len(u) != 16) {
					break // the ASCII column
				}
				var unit [8]byte
				binary.LittleEndian.PutUint64(unit[:], v)
				off += uint64(copy(img[off:], unit[:len(u)/2]))
			}
		}
	}
	return img
}

// TestMatchesRealCapture replays the commands of the real U-Boot 2023.01
// captures (32- and 64-bit ARM) on the simulator and compares the answers
// byte for byte.
func TestMatchesRealCapture(t *testing.T) {
	t.Run("arm", func(t *testing.T) { replayCapture(t, "../testdata/uboot-2023.01-qemu-arm.log", false, 15) })
	t.Run("arm64", func(t *testing.T) { replayCapture(t, "../testdata/uboot-2023.01-qemu-arm64.log", true, 7) })
}

func replayCapture(t *testing.T, path string, bits64 bool, atLeast int) {
	segs := captureSegments(t, path)
	port, err := Pipe(Config{Image: captureImage(t, segs), BootDelay: 2, Bits64: bits64})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	io.WriteString(port, "\x03") // stop autoboot
	r := bufio.NewReader(port)
	readToPrompt := func() string {
		var b []byte
		for !bytes.HasSuffix(b, []byte("\r\n=> ")) {
			c, err := r.ReadByte()
			if err != nil {
				t.Fatalf("after %q: %v", b, err)
			}
			b = append(b, c)
		}
		return string(b[:len(b)-len("=> ")])
	}
	readToPrompt() // the banner and the countdown
	compared := 0
	for _, want := range segs {
		cmd := strings.TrimPrefix(strings.SplitN(want, "\r\n", 2)[0], "=> ")
		switch {
		case cmd == "version", cmd == "crc32 0x04000000 0x1000", cmd == "mtd list", strings.HasPrefix(cmd, "loady"):
			continue // the build's own version; bytes the capture never shows; later issues
		}
		io.WriteString(port, cmd+"\r")
		if got := "=> " + readToPrompt(); got != want {
			t.Errorf("%s:\n got %q\nwant %q", cmd, got, want)
		}
		compared++
	}
	if compared < atLeast {
		t.Fatalf("only %d commands compared", compared)
	}
}

func TestAutobootCountdown(t *testing.T) {
	port, err := Pipe(Config{Image: make([]byte, 16)})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	io.WriteString(port, "\x03")
	r := bufio.NewReader(port)
	var got []byte
	for !bytes.HasSuffix(got, []byte("=> ")) {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	// Real U-Boot prints the first form when the key was already waiting,
	// the second when it arrives during the first second.
	if !bytes.Contains(got, []byte("Hit any key to stop autoboot:  2 \b\b\b 0\r\n=> ")) &&
		!bytes.Contains(got, []byte("Hit any key to stop autoboot:  2 \b\b\b 0 \r\n=> ")) {
		t.Fatalf("countdown not stopped as U-Boot does: %q", got)
	}
	if !bytes.HasPrefix(got, []byte("\r\n\r\nU-Boot 2023.01")) {
		t.Fatalf("banner %q", got[:min(len(got), 40)])
	}
}

func TestEmptyLineRepeatsMd(t *testing.T) {
	img := make([]byte, 64)
	for i := range img {
		img[i] = byte(i)
	}
	port, err := Pipe(Config{Image: img, BootDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	r := bufio.NewReader(port)
	next := func() string { return readToPrompt(t, r) }
	next()
	io.WriteString(port, "md.b 0x04000000 0x10\r")
	next()
	io.WriteString(port, "\r")
	if got := next(); !strings.Contains(got, "04000010: 10 11 12 13") {
		t.Fatalf("an empty line after md printed %q, want the next 16 bytes", got)
	}
}

// readToPrompt reads the board's output up to and including the next prompt.
func readToPrompt(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b []byte
	for !bytes.HasSuffix(b, []byte("\r\n=> ")) {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, c)
	}
	return string(b)
}
