package binreader

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The readers' machine code runs on each CPU under QEMU's user-mode
// emulation, called by device/harness.c, which plays U-Boot: a jump table
// whose putc sends '\n' as "\r\n", a gd register with a known value.

var qemuUser = map[string]string{"arm": "qemu-arm-static", "arm64": "qemu-aarch64-static", "riscv64": "qemu-riscv64-static",
	"mips": "qemu-mips-static", "mipsel": "qemu-mipsel-static", "mips64": "qemu-mips64-static", "mips64el": "qemu-mips64el-static"}

var clangTarget = map[string][]string{
	"arm":      {"--target=armv7-linux-gnueabi", "-marm"},
	"arm64":    {"--target=aarch64-linux-gnu"},
	"riscv64":  {"--target=riscv64-linux-gnu", "-mno-relax"},
	"mips":     {"--target=mips-linux-gnu", "-mno-abicalls", "-fno-pic", "-G0"},
	"mipsel":   {"--target=mipsel-linux-gnu", "-mno-abicalls", "-fno-pic", "-G0"},
	"mips64":   {"--target=mips64-linux-gnuabi64", "-mabi=64", "-mno-abicalls", "-fno-pic", "-G0"},
	"mips64el": {"--target=mips64el-linux-gnuabi64", "-mabi=64", "-mno-abicalls", "-fno-pic", "-G0"},
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is missing, and BOOTDUMP_REQUIRE_TOOLS=1", tool)
			}
			t.Skipf("%s is missing: ./scripts/test installs it", tool)
		}
	}
}

var harnesses sync.Map // arch -> path

// harness builds device/harness.c for arch, once.
func harness(t *testing.T, arch string) string {
	t.Helper()
	needTools(t, "clang", "ld.lld", qemuUser[arch])
	if p, ok := harnesses.Load(arch); ok {
		return p.(string)
	}
	dir, err := os.MkdirTemp("", "bootdump-harness-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "harness-"+arch)
	args := append(append([]string{}, clangTarget[arch]...), "-O1", "-ffreestanding", "-fno-builtin", "-nostdlib", "-static",
		"-fno-stack-protector", "-fuse-ld=lld", "-Wl,--omagic", "-Wl,-e,_start", "-o", out, "device/harness.c")
	if b, err := exec.Command("clang", args...).CombinedOutput(); err != nil {
		t.Fatalf("clang %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	harnesses.Store(arch, out)
	return out
}

// run runs arch's reader in the harness over mem; for a stream, recv
// plays the host on the harness's line. It returns what the reader printed
// (outside a stream), its return code and its Result.
func run(t *testing.T, arch string, mem []byte, mode, block uint32, recv func(r io.Reader, w io.Writer)) (printed string, rc, result uint64) {
	t.Helper()
	printed, rc, result, _ = runWith(t, arch, mem, harnessParams{mode: mode, block: block}, recv)
	return printed, rc, result
}

// harnessParams are the parameters the harness gives the reader: size 0
// is the memory's.
type harnessParams struct{ mode, block, size uint32 }

// runWith is run with every parameter the harness takes; it also returns
// the first 64 bytes of mem as the reader left them, in words.
func runWith(t *testing.T, arch string, mem []byte, hp harnessParams, recv func(r io.Reader, w io.Writer)) (printed string, rc, result uint64, words []uint64) {
	t.Helper()
	a, _ := ArchNamed(arch)
	prog, err := Load(a)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(qemuUser[arch], harness(t, arch))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var header bytes.Buffer
	for _, part := range [][]byte{prog.Code, mem} {
		binary.Write(&header, binary.LittleEndian, uint32(len(part)))
		header.Write(part)
	}
	binary.Write(&header, binary.LittleEndian, [3]uint32{hp.mode, hp.block, hp.size})
	go stdin.Write(header.Bytes())
	var out bytes.Buffer
	if recv != nil {
		recv(stdout, stdin)
	}
	io.Copy(&out, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s harness: %v; stderr %q", arch, err, stderr.String())
	}
	fields := strings.Fields(stderr.String())
	if len(fields) < 2 {
		t.Fatalf("%s harness said %q", arch, stderr.String())
	}
	var v []uint64
	for _, f := range fields {
		x, err := strconv.ParseUint(f, 16, 64)
		if err != nil {
			t.Fatalf("%s harness said %q", arch, stderr.String())
		}
		v = append(v, x)
	}
	return out.String(), v[0], v[1], v[2:]
}

// TestReadersOnTheirCPUs: on each architecture, the committed reader
// reports the gd register, calls the jump table (get_version, putc), and
// streams all 256 byte values and 1 MiB of random data exactly, escaping
// the '\n' the console turns into "\r\n"; then three erased blocks (0xff,
// 0xff, 0x00), told as such, and a block told again, in full and in part.
func TestReadersOnTheirCPUs(t *testing.T) {
	mem := make([]byte, 1<<20, 1<<20+6*4096)
	for i := range 256 {
		mem[i] = byte(i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 256; i < len(mem); i++ {
		mem[i] = byte(rng.Uint32())
	}
	mem = append(mem, bytes.Repeat([]byte{0xff}, 2*4096)...)
	mem = append(mem, make([]byte, 4096)...)
	again := mem[len(mem)-3*4096-5000 : len(mem)-2*4096-5000] // random
	mem = append(mem, again...)
	mem = append(mem, again...)
	mem = append(mem, again[len(again)-1000:]...) // a last block, shorter, the 1000 bytes before it again
	for _, a := range Arches {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			if _, rc, gd := run(t, a.Name, mem[:64], ModeGD, 0, nil); rc != 0 || gd != 0x5eed6d {
				t.Fatalf("gd mode: rc %d, result %#x; want 0 and the harness's gd 0x5eed6d", rc, gd)
			}
			printed, rc, version := run(t, a.Name, mem[:64], ModeConfirm, 0, nil)
			if rc != 0 || version != 7 || printed != ConfirmText+"\r\n" {
				t.Fatalf("confirm mode: rc %d, result %d, printed %q", rc, version, printed)
			}
			got := make([]byte, len(mem))
			var st Stats
			var told []int // what progress was told
			start := time.Now()
			_, rc, blocks := run(t, a.Name, mem, ModeStream, 4096, func(r io.Reader, w io.Writer) {
				var err error
				progress := func(n int) { told = append(told, n) }
				if st, err = Receive(context.Background(), NewLine(context.Background(), r, w), got, 5*time.Second, progress); err != nil {
					t.Errorf("receive: %v", err)
				}
			})
			if rc != 0 || !bytes.Equal(got, mem) {
				t.Fatalf("stream: rc %d, %d blocks; the bytes differ", rc, blocks)
			}
			if n := (len(mem) + 4095) / 4096; len(told) != n || told[0] != 4096 || told[len(told)-1] != len(mem) {
				t.Fatalf("progress told %d times (first %v): want after each of the %d blocks, up to %d", len(told), told[:min(3, len(told))], n, len(mem))
			}
			if !bytes.Equal(st.Escaped, []byte{'\t', '\n'}) || st.Retransmitted != 0 || int(blocks) != st.Blocks || st.Erased != 3 || st.Repeated != 2 {
				t.Fatalf("stats %+v, the reader sent %d blocks: want '\\t' and '\\n' escaped (the \\r before \\n could be either's), 3 erased, 2 repeated, no retransmission", st, blocks)
			}
			t.Logf("%s: %d blocks in %v", a.Name, st.Blocks, time.Since(start).Round(time.Millisecond))
		})
	}
}

// noise flips a bit in one byte of flip, and drops one byte of drop.
type noise struct {
	rng         *rand.Rand
	flip, drop  float64
	flips, lost int
}

// pass is b as it comes out, or false when it is lost.
func (n *noise) pass(b byte) (byte, bool) {
	switch x := n.rng.Float64(); {
	case x < n.drop:
		n.lost++
		return 0, false
	case x < n.drop+n.flip:
		n.flips++
		b ^= 1 << n.rng.IntN(8)
	}
	return b, true
}

// noisy damages what the device sends.
type noisy struct {
	r io.Reader
	noise
}

func (n *noisy) Read(p []byte) (int, error) {
	got, err := n.r.Read(p)
	out := p[:0]
	for _, b := range p[:got] {
		if b, ok := n.pass(b); ok {
			out = append(out, b)
		}
	}
	return len(out), err
}

// receiveThrough streams mem from arch's reader in mode through noise,
// and fails unless the image is identical.
func receiveThrough(t *testing.T, arch string, mem []byte, mode uint32, noise *noisy) Stats {
	t.Helper()
	got := make([]byte, len(mem))
	var st Stats
	_, rc, _ := run(t, arch, mem, mode, 4096, func(r io.Reader, w io.Writer) {
		noise.r = r
		var err error
		if st, err = Receive(context.Background(), NewLine(context.Background(), noise, w), got, 300*time.Millisecond, nil); err != nil {
			t.Errorf("receive: %v", err)
		}
	})
	if rc != 0 || !bytes.Equal(got, mem) {
		t.Fatalf("rc %d; the bytes differ", rc)
	}
	return st
}

// TestStreamOnANoisyLine: one byte in 10^5 flipped and one in 2x10^5
// dropped on their way from the device: the image is identical, each
// damaged or cut-short block sent again, and counted.
func TestStreamOnANoisyLine(t *testing.T) {
	mem := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range mem {
		mem[i] = byte(rng.Uint32())
	}
	noise := &noisy{noise: noise{rng: rand.New(rand.NewPCG(5, 6)), flip: 1e-5, drop: 5e-6}}
	st := receiveThrough(t, "arm64", mem, ModeStream, noise)
	t.Logf("%d bytes flipped, %d dropped; %d blocks sent again", noise.flips, noise.lost, st.Retransmitted)
	if noise.flips+noise.lost == 0 || st.Retransmitted == 0 {
		t.Fatalf("%d faults injected, %d retransmissions: the test proved nothing", noise.flips+noise.lost, st.Retransmitted)
	}
}

// dropAcks loses every third acknowledgement on its way to the device.
type dropAcks struct {
	w       io.Writer
	n, lost int
}

func (d *dropAcks) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if b&0xc0 == 0x80 {
			if d.n++; d.n%3 == 0 {
				d.lost++
				continue
			}
		}
		out = append(out, b)
	}
	_, err := d.w.Write(out)
	return len(p), err
}

// TestLostAcknowledgements: acknowledgements lost on the way to the
// device (the last one among them) cost no block: the next says as much,
// and the reader still ends.
func TestLostAcknowledgements(t *testing.T) {
	mem := make([]byte, 3*4096*8) // 24 blocks: the 24th acknowledgement is lost
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range mem {
		mem[i] = byte(rng.Uint32())
	}
	got := make([]byte, len(mem))
	var st Stats
	drop := &dropAcks{}
	_, rc, _ := run(t, "arm", mem, ModeStream, 4096, func(r io.Reader, w io.Writer) {
		drop.w = w
		var err error
		st, err = Receive(context.Background(), NewLine(context.Background(), r, drop), got, 300*time.Millisecond, nil)
		if err != nil {
			t.Errorf("receive: %v", err)
		}
	})
	if rc != 0 || !bytes.Equal(got, mem) || drop.lost != 8 || st.Retransmitted != 0 {
		t.Fatalf("rc %d, identical %v, %d acknowledgements lost, %d blocks sent again: want rc 0, identical, 8 lost, none sent again",
			rc, bytes.Equal(got, mem), drop.lost, st.Retransmitted)
	}
}

// compressible is 640 KiB that deflate shrinks the way firmware's code
// and tables shrink, with matches that reach back across blocks (into
// the dictionary), and in between random blocks and erased ones, which
// must not go compressed.
func compressible(seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := make([]uint32, 300) // a small vocabulary of instruction-like words
	for i := range words {
		words[i] = rng.Uint32()
	}
	var mem []byte
	for len(mem) < 640<<10 {
		switch k := rng.IntN(10); {
		case len(mem) == 0:
			mem = append(mem, 0x13, 0x37)
		case k == 0: // a random block
			for range 4096 {
				mem = append(mem, byte(rng.Uint32()))
			}
		case k == 1: // erased
			mem = append(mem, bytes.Repeat([]byte{0xff}, 4096)...)
		case k == 2 || k == 3: // a stretch from up to 16 KiB back, changed a little
			from := len(mem) - 1 - rng.IntN(min(len(mem), 16<<10))
			for range 300 + rng.IntN(2000) {
				c := mem[max(0, from)]
				if rng.IntN(50) == 0 {
					c = byte(rng.Uint32())
				}
				mem = append(mem, c)
				from++
			}
		default:
			for range 512 {
				mem = binary.LittleEndian.AppendUint32(mem, words[rng.IntN(len(words))])
			}
		}
	}
	return mem[:640<<10]
}

// TestCompressedStreamOnTheirCPUs: on each architecture the reader in
// ModeStreamCompressed sends shorter what deflate makes shorter and the
// rest as before; Stream decodes every block exactly, each checked by its
// crc32.
func TestCompressedStreamOnTheirCPUs(t *testing.T) {
	mem := compressible(9)
	for _, a := range Arches {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			got := make([]byte, len(mem))
			var st Stats
			_, rc, blocks := run(t, a.Name, mem, ModeStreamCompressed, 4096, func(r io.Reader, w io.Writer) {
				var err error
				if st, err = Receive(context.Background(), NewLine(context.Background(), r, w), got, 5*time.Second, nil); err != nil {
					t.Errorf("receive: %v", err)
				}
			})
			if rc != 0 || !bytes.Equal(got, mem) || int(blocks) != st.Blocks {
				t.Fatalf("rc %d, %d blocks sent, %+v: the bytes differ", rc, blocks, st)
			}
			ratio := float64(len(mem)) / float64(st.Sent)
			t.Logf("%s: %d of %d blocks compressed, %d erased; %d bytes sent for %d: %.2fx", a.Name, st.Compressed, st.Blocks, st.Erased, st.Sent, len(mem), ratio)
			if st.Compressed == 0 || st.Compressed+st.Erased+st.Repeated == st.Blocks || st.Erased == 0 || ratio < 1.5 {
				t.Fatalf("%+v, %.2fx: want most blocks compressed, the random ones not, the erased ones told as such, 1.5x or more", st, ratio)
			}
		})
	}
}

// TestCompressedStreamOnANoisyLine: damage inside deflated bytes (which
// inflate may decode to other bytes, or not at all) sends the reader
// back; the image is identical.
func TestCompressedStreamOnANoisyLine(t *testing.T) {
	mem := compressible(10)
	noise := &noisy{noise: noise{rng: rand.New(rand.NewPCG(11, 12)), flip: 3e-5, drop: 1e-5}}
	st := receiveThrough(t, "riscv64", mem, ModeStreamCompressed, noise)
	t.Logf("%d bytes flipped, %d dropped; %d blocks sent again, %d compressed", noise.flips, noise.lost, st.Retransmitted, st.Compressed)
	if noise.flips+noise.lost == 0 || st.Retransmitted == 0 || st.Compressed == 0 {
		t.Fatalf("%d faults injected, %d retransmissions, %d compressed: the test proved nothing", noise.flips+noise.lost, st.Retransmitted, st.Compressed)
	}
}

// TestUARTRateOnTheirCPUs: in ModeUART the reader reports a UART's
// divisor, sets the one asked for (a 16550's through its divisor latch,
// byte registers or words four bytes apart; a PL011's IBRD and FBRD,
// latched by writing LCR_H with the UART off) and keeps it when the host
// answers its "BDBR" with 'K'; without that answer it sets the old one
// again. The UART here is memory laid out as its registers.
func TestUARTRateOnTheirCPUs(t *testing.T) {
	type reg struct {
		off  int
		v    uint32
		want uint32 // after a switch the host confirmed
	}
	for _, u := range []struct {
		name        string
		kind        uint32
		words       bool
		regs        []reg
		old, divide uint32
	}{
		{"16550", UART16550, false, []reg{{0, 2, 1}, {1, 0, 0}, {3, 0x03, 0x03}, {5, 0x60, 0x60}}, 2, 1},
		{"16550-shift2", UART16550 | 2<<8 | UARTWords, true, []reg{{0, 0x16, 0x0b}, {4, 0, 0}, {12, 0x1b, 0x1b}, {20, 0x60, 0x60}}, 0x16, 0x0b},
		{"ar933x", UARTAR933x, true, []reg{{4, 0x188, 0x188}, {8, 20<<16 | 12683, 1<<16 | 9663}}, 20<<16 | 12683, 1<<16 | 9663},
		{"pl011", UARTPL011, true, []reg{{0x18, 0x90, 0x90}, {0x24, 13, 1}, {0x28, 1, 40}, {0x2c, 0x70, 0x70}, {0x30, 0x301, 0x301}}, 13<<6 | 1, 1<<6 | 40},
	} {
		for _, a := range Arches {
			t.Run(u.name+"/"+a.Name, func(t *testing.T) {
				t.Parallel()
				mem := make([]byte, 64)
				for _, r := range u.regs {
					if u.words {
						a.Order.PutUint32(mem[r.off:], r.v)
					} else {
						mem[r.off] = byte(r.v)
					}
				}
				for _, confirm := range []bool{true, false} {
					_, rc, found, words := runWith(t, a.Name, mem, harnessParams{mode: ModeUART, block: u.divide, size: u.kind}, func(r io.Reader, w io.Writer) {
						var seen []byte
						for !bytes.HasSuffix(seen, []byte(UARTReady)) {
							b := make([]byte, 1)
							if _, err := r.Read(b); err != nil {
								t.Errorf("no %s: %v", UARTReady, err)
								return
							}
							seen = append(seen, b[0])
						}
						if confirm {
							w.Write([]byte{UARTConfirm})
						} else {
							w.Write(bytes.Repeat([]byte{'x'}, 32<<19/1024+1)) // a byte for each time tstc says one waits, never a 'K'
						}
					})
					left := make([]byte, len(words)*a.Word)
					for i, wd := range words {
						putWord(a, left[i*a.Word:], wd)
					}
					if wantRC := map[bool]uint64{true: 0, false: 1}[confirm]; rc != wantRC || found != uint64(u.old) {
						t.Fatalf("confirmed %v: rc %d, found %#x; want rc %d and %#x", confirm, rc, found, wantRC, u.old)
					}
					for _, r := range u.regs {
						got := uint32(left[r.off])
						if u.words {
							got = a.Order.Uint32(left[r.off:])
						}
						want := r.v
						if confirm {
							want = r.want
						}
						if got != want {
							t.Fatalf("confirmed %v: the register at %#x holds %#x, want %#x", confirm, r.off, got, want)
						}
					}
				}
			})
		}
	}
}

// noisyWriter damages what the host sends, as noisy does what it hears.
type noisyWriter struct {
	w io.Writer
	noise
}

func (n *noisyWriter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if b, ok := n.pass(b); ok {
			out = append(out, b)
		}
	}
	if _, err := n.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sendThrough uploads data to arch's reader (ModeReceive) through w's
// damage, and returns what the reader left in memory.
func sendThrough(t *testing.T, arch string, data []byte, wrap func(io.Writer) io.Writer) (rc, blocks uint64, got []byte) {
	t.Helper()
	a, _ := ArchNamed(arch)
	var told []int
	_, rc, blocks, words := runWith(t, arch, make([]byte, len(data)), harnessParams{mode: ModeReceive, block: 4096}, func(r io.Reader, w io.Writer) {
		if err := Send(context.Background(), NewLine(context.Background(), r, wrap(w)), data, 4096, 300*time.Millisecond, func(n int) { told = append(told, n) }); err != nil {
			t.Errorf("send: %v", err)
			w.(io.Closer).Close() // the harness ends at the end of its input
		}
	})
	got = make([]byte, len(words)*a.Word)
	for i, wd := range words {
		putWord(a, got[i*a.Word:], wd)
	}
	if n := (len(data) + 4095) / 4096; len(told) != n || told[n-1] != len(data) {
		t.Errorf("progress told %v: want after each of the %d blocks, up to %d", told, n, len(data))
	}
	return rc, blocks, got
}

// TestReceiveOnTheirCPUs: on each architecture the reader takes 10 KiB
// and a bit (every byte value among them, the ones escaped too) into
// memory, exactly, and counts the blocks; on arm64, 166 KiB through a
// line that flips one byte in 50000 and drops one in 50000 on the way to
// the board, too.
func TestReceiveOnTheirCPUs(t *testing.T) {
	data := make([]byte, 10<<10+104)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for i := range 256 {
		data[i] = byte(i)
	}
	clean := func(w io.Writer) io.Writer { return w }
	for _, a := range Arches {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			rc, blocks, got := sendThrough(t, a.Name, data, clean)
			if rc != 0 || blocks != 3 || !bytes.Equal(got, data) {
				t.Fatalf("rc %d, %d blocks; the memory is the data: %v", rc, blocks, bytes.Equal(got, data))
			}
		})
	}
	t.Run("noisy", func(t *testing.T) {
		t.Parallel()
		noise := &noisyWriter{noise: noise{rng: rand.New(rand.NewPCG(9, 10)), flip: 2e-5, drop: 2e-5}}
		big := bytes.Repeat(data, 16)
		rc, _, got := sendThrough(t, "arm64", big, func(w io.Writer) io.Writer { noise.w = w; return noise })
		t.Logf("%d bytes flipped, %d dropped", noise.flips, noise.lost)
		if rc != 0 || !bytes.Equal(got, big) || noise.flips+noise.lost == 0 {
			t.Fatalf("rc %d, identical %v, %d faults injected", rc, bytes.Equal(got, big), noise.flips+noise.lost)
		}
	})
}
