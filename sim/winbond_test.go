package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/xfer"
)

// Next lets a transfer protocol read the session's line.
func (s *session) Next(ctx context.Context, timeout time.Duration) (byte, error) {
	if len(s.buf) == 0 {
		s.port.r.SetReadDeadline(time.Now().Add(timeout))
		defer s.port.r.SetReadDeadline(time.Time{})
		tmp := make([]byte, 4096)
		n, err := s.port.Read(tmp)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, xfer.ErrTimeout
		}
		if n == 0 {
			return 0, err
		}
		s.buf = append(s.buf, tmp[:n]...)
	}
	c := s.buf[0]
	s.buf = s.buf[1:]
	return c, nil
}

func (s *session) Write(b []byte) (int, error) { return s.port.Write(b) }

// winbondCamera is a 2 MiB flash with romfs.img as image 2 of the table.
func winbondCamera(t *testing.T) (*session, []byte, []byte) {
	flash := bytes.Repeat([]byte{0xff}, 2<<20)
	romfs := bytes.Repeat([]byte("-rom1fs-romfs.img"), 0x3000)[:0x30000]
	copy(flash[0xe0000:], romfs)
	w := newSession(t, Config{Dialect: "winbond", Image: flash, Images: []Image{{Num: 2, Name: "romfs.img", Base: 0x7f0e0000, Size: 0x30000, Exec: 0x7f0e0000, Flags: "af"}}})
	return w, flash, romfs
}

// The table lives in the flash: each image's footer at the end of the
// block its data ends in, as image.c writes it (of the next block when
// the data fills its last one); LS lists what it finds.
func TestWinbondTableInFlash(t *testing.T) {
	w, flash, _ := winbondCamera(t)
	if out := w.run("LS"); !strings.Contains(out, "Image: 2 name:romfs.img base:0x7f0e0000 size:0x00030000 exec:0x7f0e0000 -af\n\r") {
		t.Fatalf("LS printed %q", out)
	}
	w.port.Close()
	f := decodeFooter(flash[0x120000-wbFooter:0x120000], binary.LittleEndian)
	if f.num != 2 || f.name != "romfs.img" || f.base != 0x7f0e0000 || f.length != 0x30000 || f.signature != wbSignature || f.typ != 0x9 {
		t.Fatalf("footer %+v", f)
	}
}

// FX replaces an image: it asks before it deletes the old one, takes the
// upload into the download buffer, programs it with a dot a block, and
// LS lists the new one.
func TestWinbondFX(t *testing.T) {
	w, flash, _ := winbondCamera(t)
	img := bytes.Repeat([]byte("new romfs "), 0x5000)[:0x31f00] // ends 0x100 short of 4 blocks... then padded to 128
	w.port.Write([]byte("FX 2 romfs.img 0x7f0e0000 0x7f0e0000 -af\r"))
	if out := w.until("Do you want to delete it?[y/N]\n\r"); !strings.Contains(out, "Find image 2 existed!") {
		t.Fatalf("FX printed %q", out)
	}
	w.port.Write([]byte("y"))
	if out := w.until("Press Ctrl-x to cancel ... \n\r"); !strings.Contains(out, "Deleting image 2 ...\n\r....Waiting for download") {
		t.Fatalf("FX printed %q", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := xfer.SendXMODEM(ctx, w, img, xfer.Options{NoResend: true}); err != nil {
		t.Fatal(err)
	}
	out := w.until(w.prompt)
	if !strings.Contains(out, "Flash programming ...  \n\r....\n\r") {
		t.Fatalf("FX printed %q", out)
	}
	if out := w.run("LS"); !strings.Contains(out, "Image: 2 name:romfs.img base:0x7f0e0000 size:0x00031f00 exec:0x7f0e0000 -af") {
		t.Fatalf("LS printed %q", out)
	}
	w.port.Close()
	if !bytes.Equal(flash[0xe0000:0xe0000+len(img)], img) {
		t.Fatal("the flash does not hold the image")
	}
}

// Refusals as image.c's CorruptCheck makes them: an image over the loader,
// and one running into the next image.
func TestWinbondFXRefuses(t *testing.T) {
	w, _, _ := winbondCamera(t)
	if out := w.run("FX 3 x 0x7f000000 0x8000 -a"); !strings.Contains(out, "ERROR: Data corrupted, please check the free space of flash.") {
		t.Fatalf("FX over the loader printed %q", out)
	}
	if out := w.run("FX 3 x 0x7f0d0000 0x8000 -a"); !strings.Contains(out, "ERROR: Data corrupted") {
		t.Fatalf("FX into image 2 printed %q", out)
	}
	if out := w.run("FX 3 x"); !strings.Contains(out, "Usage: FX [ImageNo.]") {
		t.Fatalf("FX without its arguments printed %q", out)
	}
	// N keeps the image: FX returns at once.
	w.port.Write([]byte("FX 2 romfs.img 0x7f0e0000 0x7f0e0000 -af\r"))
	w.until("Do you want to delete it?[y/N]\n\r")
	w.port.Write([]byte("n"))
	w.until(w.prompt)
	if out := w.run("LS"); !strings.Contains(out, "Image: 2 name:romfs.img") {
		t.Fatalf("after N, LS printed %q", out)
	}
}

// The receiver's own ways: the first block gets an ACK before it is read
// (the wait before it was long), a block with a bad CRC is NAKed but
// kept, and the block sent again lands after it.
func TestWinbondXMODEMReceiver(t *testing.T) {
	w, _, _ := winbondCamera(t)
	w.port.Write([]byte("MX 0x100000\r"))
	w.until("Press Ctrl-x to cancel ... \n\r")
	if c, err := w.Next(context.Background(), 6*time.Second); err != nil || c != 'C' {
		t.Fatalf("the receiver started with %q, %v", c, err)
	}
	good := bytes.Repeat([]byte{0x42}, 128)
	block := func(payload []byte, crc uint16) []byte {
		b := append([]byte{0x01, 1, 0xfe}, payload...)
		return append(b, byte(crc>>8), byte(crc))
	}
	answer := func() byte {
		for {
			c, err := w.Next(context.Background(), 3*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if c != 'C' {
				return c
			}
		}
	}
	w.port.Write(block(good, crc16(good)^1))
	if a, b := answer(), answer(); a != 0x06 || b != 0x15 {
		t.Fatalf("a first block with a bad CRC: % x % x, want ACK (the long wait) then NAK", a, b)
	}
	w.port.Write(block(good, crc16(good)))
	if a := answer(); a != 0x06 {
		t.Fatalf("the block again: % x", a)
	}
	w.port.Write([]byte{0x04})
	if a := answer(); a != 0x06 {
		t.Fatalf("EOT: % x", a)
	}
	if out := w.until(w.prompt); !strings.Contains(out, "Download successed!") {
		t.Fatalf("MX printed %q", out)
	}
	// Both blocks were counted: the second 128 bytes hold the block too.
	out := w.run("D -b 0x100080")
	if !strings.Contains(out, "[00100080] 42 42 42 42 42 42 42 42 - 42 42") {
		t.Fatalf("D printed %q", out)
	}
}

// BX burns raw data from the flash's start (the loader's own block too)
// and compares it word by word.
func TestWinbondBX(t *testing.T) {
	w, flash, _ := winbondCamera(t)
	img := bytes.Repeat([]byte("whole flash "), 0x3000)[:0x20000]
	w.port.Write([]byte("BX\r"))
	w.until("Press Ctrl-x to cancel ... \n\r")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := xfer.SendXMODEM(ctx, w, img, xfer.Options{NoResend: true}); err != nil {
		t.Fatal(err)
	}
	if out := w.until(w.prompt); !strings.Contains(out, "Flash programming .. OK!\n\rWrite data verifing .. OK!") {
		t.Fatalf("BX printed %q", out)
	}
	w.port.Close()
	if !bytes.Equal(flash[:len(img)], img) {
		t.Fatalf("the flash starts % x", flash[:16])
	}
}
