package sim

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// session types commands at a simulated board and returns what it prints,
// up to the next prompt.
type session struct {
	t      *testing.T
	port   *PipePort
	prompt string
	buf    []byte
}

func newSession(t *testing.T, cfg Config) *session {
	t.Helper()
	cfg.BootDelay = -1
	p, err := Pipe(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s := &session{t: t, port: p, prompt: cfg.withDefaults().Prompt}
	s.until(s.prompt)
	return s
}

func (s *session) until(marker string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tmp := make([]byte, 4096)
	for !bytes.Contains(s.buf, []byte(marker)) {
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in %q", marker, s.buf)
		}
		n, err := s.port.Read(tmp)
		if err != nil && err != io.EOF {
			s.t.Fatal(err)
		}
		s.buf = append(s.buf, tmp[:n]...)
	}
	i := bytes.Index(s.buf, []byte(marker)) + len(marker)
	out := string(s.buf[:i])
	s.buf = s.buf[i:]
	return out
}

func (s *session) run(cmd string) string {
	s.t.Helper()
	s.port.Write([]byte(cmd + "\r"))
	return s.until(s.prompt)
}

// The lines formats.md gives as examples come out byte for byte.
func TestShellFormatsAsReference(t *testing.T) {
	romfs := append([]byte("-rom1fs-\x00\x0c\x3b\x90\x8e\x7d\x2e\x41"), make([]byte, 240)...)
	flash := make([]byte, 0x200000)
	copy(flash[0xe0000:], romfs)
	w := newSession(t, Config{Dialect: "winbond", Image: flash, Images: []Image{{Num: 3, Name: "romfs.img", Base: 0x7f0e0000, Size: 0xc3c00, Exec: 0x7f0e0000, Flags: "a"}}})
	out := w.run("d -s 0x7F0E0000")
	want := "d -s 0x7F0E0000\n\rDisplaying memory at 0x7F0E0000\n\r[7F0E0000] 2D726F6D 3166732D - 000C3B90 8E7D2E41  -rom1fs-..;..}.A\r\n\r"
	if !strings.HasPrefix(out, want) || strings.Count(out, "\r\n\r[") != 15 || !strings.HasSuffix(out, "\n\r\rbootloader > ") {
		t.Fatalf("D printed %q", out)
	}
	if out := w.run("LS"); !strings.Contains(out, "Image: 3 name:romfs.img base:0x7f0e0000 size:0x000c3c00 exec:0x7f0e0000 -a\n\r") {
		t.Fatalf("LS printed %q", out)
	}
	if out := w.run("foo"); !strings.Contains(out, "ERROR: unrecognised command\n\r") {
		t.Fatalf("an unknown command printed %q", out)
	}
	// The key after an ESC is swallowed: "\x1bXLS" runs LS.
	w.port.Write([]byte("\x1bXLS\r"))
	if out := w.until(w.prompt); !strings.Contains(out, "Image: 3") {
		t.Fatalf("ESC X LS printed %q", out)
	}

	cfeFlash := make([]byte, 0x30000)
	copy(cfeFlash[0x20000:], "6\x00\x00\x00Broadcom Cor")
	c := newSession(t, Config{Dialect: "cfe", Image: cfeFlash, Base: 0xb8000000, BigEndian: true})
	out = c.run("dm b8020000 10")
	if !strings.Contains(out, "\r\nb8020000: 36 00 00 00 42 72 6f 61 64 63 6f 6d 20 43 6f 72    6...Broadcom Cor\r\n*** command status = 0\r\n") {
		t.Fatalf("dm printed %q", out)
	}
	if out := c.run("d -w b8020000 10"); !strings.Contains(out, "\r\nB8020000: 36000000 42726F61 64636F6D 20436F72  6...Broadcom Cor\r\n") {
		t.Fatalf("d -w printed %q", out)
	}
	if out := c.run("version"); !strings.Contains(out, "Invalid command: \"version\"\r\n") || !strings.Contains(out, "*** command status = -1") {
		t.Fatalf("an unknown command printed %q", out)
	}

	seq := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	r := newSession(t, Config{Dialect: "redboot", Image: seq, Base: 0x80000000})
	if out := r.run("dump -b 0x80000000 -l 0x10"); !strings.Contains(out, "\r\n80000000: 00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF  |..\"3DUfw........|\r\n") {
		t.Fatalf("dump printed %q", out)
	}
	// POSIX cksum of these 16 bytes (coreutils cksum prints 3533132088 for them).
	if out := r.run("cksum -b 0x80000000 -l 0x10"); !strings.Contains(out, "POSIX cksum = 3533132088 16 (0xd2975138 0x00000010)\r\n") {
		t.Fatalf("cksum printed %q", out)
	}
	b := newSession(t, Config{Dialect: "barebox", Image: seq, Base: 0x80000000})
	if out := b.run("md -l 0x80000000+0x10"); !strings.Contains(out, "\r\n80000000: 33221100 77665544 bbaa9988 ffeeddcc                ..\"3DUfw........\r\n") {
		t.Fatalf("md printed %q", out)
	}
	if out := b.run("crc32 0x80000000+0x10"); !strings.Contains(out, "CRC32 for /dev/mem 0x80000000 ... 0x8000000f ==> 0x") {
		t.Fatalf("crc32 printed %q", out)
	}
}
