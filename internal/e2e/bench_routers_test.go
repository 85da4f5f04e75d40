package e2e

import (
	"bytes"
	"context"
	bin "encoding/binary"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/internal/uartrelay"
	"github.com/bootdump/bootdump/sim"
)

// uartPort is a tcp:// port that reaches target (host:port) through a
// relay that paces like a UART and holds short answers back as an
// adapter does.
func uartPort(t testing.TB, target string, opt uartrelay.Options) string {
	t.Helper()
	r, err := uartrelay.Start(target, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return "tcp://" + r.Addr
}

// simTCP serves a simulated board, unpaced, on a loopback port for a
// relay to pace; it returns the port's host:port.
func simTCP(t testing.TB, cfg sim.Config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sim.ListenTCP(ctx, "127.0.0.1:0", cfg, func(a net.Addr, _ *sim.Board) { addr <- a.String() })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return <-addr
}

// timedDump dumps with a reader and checks the image, returning the
// command's whole time.
func timedDump(b *testing.B, want []byte, port, baud, addr, reader string) time.Duration {
	out := filepath.Join(b.TempDir(), reader+".bin")
	start := time.Now()
	_, stderr, code := run(b, "dump", "-p", port, "-b", baud, "--addr", addr, "--size", fmt.Sprint(len(want)), "-o", out, "--reader", reader)
	took := time.Since(start)
	got, err := os.ReadFile(out)
	if code != 0 || err != nil || !bytes.Equal(got, want) {
		b.Fatalf("--reader %s: exit %d, %v: %s", reader, code, err, stderr)
	}
	return took
}

// BenchmarkBinaryReaderRouters dumps, with md and with the binary reader
// (its setup included), through a relay paced like a UART with an FTDI
// adapter's 16 ms latency timer, and reports both times and their ratio
// (target: at least 3 each):
//
//   - Debian's maltael U-Boot on QEMU's Malta board, 2 MiB of flash
//     (u-boot.bin, 512 KiB of random data at 1 MiB, the rest erased) at
//     115200 baud; no loader, so the reader is typed in with mw.l;
//   - the simulated MediaTek/Ralink U-Boot 1.1.3, 1 MiB of random flash at
//     57600 baud; no crc32, so both read every chunk twice.
//
// About 35 min (md on the Ralink board is most of it):
//
//	go test ./internal/e2e -run - -bench BinaryReaderRouters -benchtime 1x -timeout 60m
func BenchmarkBinaryReaderRouters(b *testing.B) {
	malta := maltaFlash(b, 32, 53)
	board := qemutest.StartMalta(b, malta, 32)
	ralink := randomBytes(1<<20, 54)
	ralinkAddr := simTCP(b, sim.Config{Dialect: "ralink", Image: ralink, BootDelay: -1})
	for b.Loop() {
		for _, bd := range []struct {
			name, target, baud, addr string
			img                      []byte
			opt                      uartrelay.Options
		}{
			{"maltael", strings.TrimPrefix(board.Port, "tcp://"), "115200", fmt.Sprintf("%#x", qemutest.MaltaFlash), malta, uartrelay.FTDI(115200)},
			{"ralink", ralinkAddr, "57600", "0xbc000000", ralink, uartrelay.FTDI(57600)},
		} {
			md := timedDump(b, bd.img, uartPort(b, bd.target, bd.opt), bd.baud, bd.addr, "md")
			binary := timedDump(b, bd.img, uartPort(b, bd.target, bd.opt), bd.baud, bd.addr, "binary")
			b.ReportMetric(md.Seconds(), "s-md-"+bd.name)
			b.ReportMetric(binary.Seconds(), "s-binary-"+bd.name)
			b.ReportMetric(md.Seconds()/binary.Seconds(), "speedup-"+bd.name)
		}
	}
}

// BenchmarkUploads uploads the binary reader (2.3 KiB) to the simulated
// U-Boot through a relay paced at 115200 baud with an FTDI adapter's
// 16 ms latency timer, by each way U-Boot offers (a build lacking the
// ways before it), and by mw.l a word a round trip, as bootdump did
// before it chained a line of mw.l commands. It reports each time in
// seconds. About 1 min:
//
//	go test ./internal/e2e -run - -bench Uploads -benchtime 1x
func BenchmarkUploads(b *testing.B) {
	code := randomBytes(2296, 55)
	ways := []struct{ name, lacks string }{
		{"loady", ""},
		{"loadx", "loady,loadb"},
		{"loads", "loady,loadb,loadx"},
		{"mw.l", "loady,loadb,loadx,loads"},
		{"mw.l-one-a-trip", "loady,loadb,loadx,loads"},
	}
	for b.Loop() {
		for _, w := range ways {
			cfg := sim.Config{Image: make([]byte, 64<<10), BootDelay: -1}
			if w.lacks != "" {
				cfg.Lacks = strings.Split(w.lacks, ",")
			}
			port := uartPort(b, simTCP(b, cfg), uartrelay.FTDI(115200))
			ctx := context.Background()
			dev, err := backup.Connect(ctx, backup.Connection{Port: port, Dialect: "uboot"}, dialect.Options{})
			if err != nil {
				b.Fatal(err)
			}
			s := dev.Session.(dialect.Programmer)
			start := time.Now()
			if w.name == "mw.l-one-a-trip" {
				for off := 0; off < len(code); off += 4 {
					cmd := fmt.Sprintf("mw.l %#x %08x", 0x41000000+off, bin.LittleEndian.Uint32(code[off:]))
					if _, err := dev.Session.Console().Output(ctx, cmd); err != nil {
						b.Fatal(err)
					}
				}
			} else if err := s.Upload(ctx, 0x41000000, code, nil); err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			if sum, err := s.Checksum(ctx, 0x41000000, uint64(len(code))); err != nil || sum != crc32.ChecksumIEEE(code) {
				b.Fatalf("%s: the upload did not arrive whole (%08x, %v)", w.name, sum, err)
			}
			dev.Close(ctx)
			b.ReportMetric(took.Seconds(), "s-"+w.name)
		}
	}
}
