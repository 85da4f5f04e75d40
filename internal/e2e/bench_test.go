package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/uboot"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/qemutest"
	"github.com/bootdump/bootdump/internal/uartrelay"
	"github.com/bootdump/bootdump/sim"
)

// BenchmarkEfficiency115200 dumps 64 KiB of incompressible data from the
// simulator paced at 115200 baud and reports DESIGN.md's efficiency: the
// time the md format needs at line rate over the wall time taken, chunk
// commands and crc32 verification included. Run it with
//
//	go test ./internal/e2e -run - -bench Efficiency -benchtime 1x
func BenchmarkEfficiency115200(b *testing.B) {
	const (
		baud = 115200
		size = 64 << 10
		base = 0x04000000
	)
	port, err := sim.Pipe(sim.Config{Image: randomBytes(size, 7), Baud: baud, BootDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	con := console.New(port, uboot.Bootloader.ConsoleOptions(console.Options{}))
	defer con.Close()
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := con.Sync(sctx); err != nil {
		b.Fatal(err)
	}
	sess, err := uboot.Open(ctx, con, nil, dialect.Options{Addr: base, Size: size})
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "flash.bin")
	var wall time.Duration
	runs := 0
	b.ResetTimer()
	for b.Loop() {
		job, err := dump.Prepare(dump.Options{Addr: base, Size: size, Output: out, Force: true, Restart: true})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := job.Run(ctx, sess); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		runs++
		job.Close()
	}
	lineTime := float64(size/16*sess.LineChars(base)) / (baud / 10)
	perRun := wall.Seconds() / float64(runs)
	b.ReportMetric(lineTime/perRun, "efficiency")
	b.ReportMetric(size/perRun, "bytes/s")
}

// BenchmarkRouterFlash16MiB backs up a 16 MiB router-like flash (about
// half erased) from the simulator paced at 3 Mbaud, once dumping every
// byte (--no-skip) and once confirming erased chunks on the device, and
// reports both times and their ratio (target: at least 1.9), reading with
// md. About 6 min:
//
//	go test ./internal/e2e -run - -bench RouterFlash -benchtime 1x -timeout 30m
func BenchmarkRouterFlash16MiB(b *testing.B) {
	const size = 16 << 20
	img, _ := routerImage(size, 21)
	erased := 0
	for off := 0; off < size; off += 64 << 10 {
		if bytes.Count(img[off:off+64<<10], img[off:off+1]) == 64<<10 && (img[off] == 0xff || img[off] == 0) {
			erased++
		}
	}
	fw := filepath.Join(b.TempDir(), "router.bin")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		b.Fatal(err)
	}
	port := fmt.Sprintf("sim:uboot?image=%s&baud=3000000", fw)
	timeDump := func(extra ...string) time.Duration {
		out := filepath.Join(b.TempDir(), "out.bin")
		start := time.Now()
		_, stderr, code := run(b, append([]string{"dump", "-p", port, "-b", "3000000", "--addr", "0x04000000", "--size", "16M", "-o", out, "--reader", "md"}, extra...)...)
		if code != 0 {
			b.Fatal(stderr)
		}
		took := time.Since(start)
		sameFile(b, out, img)
		return took
	}
	for b.Loop() {
		all := timeDump("--no-skip")
		skip := timeDump()
		b.ReportMetric(all.Seconds(), "s-dump-all")
		b.ReportMetric(skip.Seconds(), "s-skip-erased")
		b.ReportMetric(all.Seconds()/skip.Seconds(), "speedup")
		b.ReportMetric(float64(erased)/float64(size/(64<<10)), "erased-fraction")
	}
}

// BenchmarkFastBaud dumps 256 KiB from the simulator at 115200 baud, then
// with --fast-baud 921600 (switching there and back included), and reports
// the throughput ratio with md (target: at least 7; BinaryReaderFastBaud
// is the binary reader's). About 2 min:
//
//	go test ./internal/e2e -run - -bench FastBaud -benchtime 1x
func BenchmarkFastBaud(b *testing.B) {
	const size = 256 << 10
	img := randomBytes(size, 22)
	fw := filepath.Join(b.TempDir(), "fw.bin")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		b.Fatal(err)
	}
	port := fmt.Sprintf("sim:uboot?image=%s&baud=115200", fw)
	timeDump := func(extra ...string) time.Duration {
		out := filepath.Join(b.TempDir(), "out.bin")
		start := time.Now()
		stdout, stderr, code := run(b, append([]string{"dump", "-p", port, "--addr", "0x04000000", "--size", "256K", "-o", out, "--json", "--reader", "md"}, extra...)...)
		if code != 0 {
			b.Fatal(stderr)
		}
		took := time.Since(start)
		sameFile(b, out, img)
		if len(extra) > 0 && parseResult(b, stdout).Baud != 921600 {
			b.Fatal("the dump did not run at 921600 baud")
		}
		return took
	}
	for b.Loop() {
		slow := timeDump()
		fast := timeDump("--fast-baud", "921600")
		b.ReportMetric(size/slow.Seconds(), "B/s-115200")
		b.ReportMetric(size/fast.Seconds(), "B/s-fast")
		b.ReportMetric(slow.Seconds()/fast.Seconds(), "speedup")
	}
}

// BenchmarkMemory256MiB dumps 256 MiB of random data from an unpaced
// simulator in another process and reports the dumping process's peak RSS
// (target: under 64 MiB) and its speed:
//
//	go test ./internal/e2e -run - -bench Memory -benchtime 1x
func BenchmarkMemory256MiB(b *testing.B) {
	const size = 256 << 20
	dir := b.TempDir()
	fw := filepath.Join(dir, "big.bin")
	f, err := os.Create(fw)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 256 {
		f.Write(randomBytes(1<<20, uint64(i)))
	}
	f.Close()
	server := exec.Command(binary, "sim", "--image", fw, "--baud", "0", "--bootdelay", "0", "--listen", "tcp://127.0.0.1:0")
	stdout, _ := server.StdoutPipe()
	if err := server.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		server.Process.Kill()
		server.Wait()
	}()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out := filepath.Join(dir, "out.bin")
		os.Remove(out)
		os.Remove(out + ".bootdump.json")
		dumper := exec.Command(binary, "dump", "-p", strings.TrimSpace(addr), "--addr", "0x04000000", "--size", "256M", "-o", out)
		start := time.Now()
		if msg, err := dumper.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, msg)
		}
		took := time.Since(start)
		b.ReportMetric(peakRSS(dumper.ProcessState), "MiB-peak-RSS")
		b.ReportMetric(size/took.Seconds()/(1<<20), "MiB/s")
	}
}

// markerFlash is 2 MiB of erased flash holding 64 KiB of random data at
// its start and a 32-byte marker at 1 MiB.
func markerFlash() []byte {
	img := bytes.Repeat([]byte{0xff}, 2<<20)
	copy(img, randomBytes(64<<10, 33))
	copy(img[1<<20:], "bootdump marker: 32 bytes long!!")
	return img
}

// BenchmarkMarkerInErasedFlash dumps markerFlash from the simulator at
// 115200 baud: the marker's chunk costs 16 checksums and one 4 KiB read,
// not 64 KiB of md (target: at most 40 s; 50 s before chunks were split).
// About 30 s:
//
//	go test ./internal/e2e -run - -bench MarkerInErasedFlash -benchtime 1x
func BenchmarkMarkerInErasedFlash(b *testing.B) {
	img := markerFlash()
	fw := filepath.Join(b.TempDir(), "marker.bin")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out := filepath.Join(b.TempDir(), "out.bin")
		start := time.Now()
		_, stderr, code := run(b, "dump", "-p", "sim:uboot?image="+fw+"&baud=115200&bootdelay=0", "--addr", "0x04000000", "--size", "2M", "-o", out, "--reader", "md")
		if code != 0 {
			b.Fatal(stderr)
		}
		took := time.Since(start)
		sameFile(b, out, img)
		// md.l spends 67 characters on 16 bytes: the data alone is the floor.
		floor := float64(64<<10) / 16 * 67 * 10 / 115200
		b.ReportMetric(took.Seconds(), "s")
		b.ReportMetric(took.Seconds()/floor, "x-data-alone")
	}
}

// BenchmarkBinaryReader dumps 4 MiB of random flash from real U-Boot
// (Debian's qemu_arm64, qemu_arm and qemu-riscv64 builds) with the binary
// reader, its upload and setup included, through a relay that paces both
// ways like a UART at 115200 baud and holds short answers back 16 ms as
// an FTDI adapter does (internal/uartrelay), and reports each time as a
// fraction of the line: 4 MiB at 115200, 8N1, is 364.1 s of line time
// (target: >= 0.95); and the stream alone, from its parameters to its
// end, as a fraction of the line (target: >= 0.97). The dump is
// bootdump's default: a survey of every chunk's crc32, then one stream
// over them all. The three boards run
// side by side: the line's pace, not the CPU, sets every time here.
// About 7 min:
//
//	go test ./internal/e2e -run - -bench 'BinaryReader$' -benchtime 1x -timeout 30m
func BenchmarkBinaryReader(b *testing.B) {
	const size = 4 << 20
	img := randomBytes(size, 43)
	boards := []struct {
		arch  string
		start func(testing.TB, []byte) *qemutest.Board
		addr  uint64
	}{
		{"arm64", qemutest.StartARM64, qemutest.Flash1Base},
		{"arm", qemutest.Start, qemutest.Flash1Base},
		{"riscv64", qemutest.StartRISCV64, qemutest.RISCV64Flash1Base},
	}
	ports := make([]string, len(boards))
	for i, bd := range boards {
		ports[i] = bd.start(b, img).Port
	}
	line := lineTime(size, 115200)
	for b.Loop() {
		times := make([]time.Duration, len(boards))
		streams := make([]time.Duration, len(boards))
		sideBySide(b, len(boards), func(i int) error {
			bd := boards[i]
			port := uartPort(b, strings.TrimPrefix(ports[i], "tcp://"), uartrelay.FTDI(115200))
			out := filepath.Join(b.TempDir(), bd.arch+".bin")
			start := time.Now()
			_, stderr, code := run(b, "dump", "-v", "-p", port, "--addr", fmt.Sprintf("%#x", bd.addr), "--size", "4M", "-o", out, "--reader", "binary")
			times[i] = time.Since(start)
			got, err := os.ReadFile(out)
			if code != 0 || err != nil || !bytes.Equal(got, img) {
				return fmt.Errorf("%s: exit %d, %v: %s", bd.arch, code, err, stderr)
			}
			if streams[i] = streamTime(stderr); streams[i] == 0 {
				return fmt.Errorf("%s: no stream in the log:\n%s", bd.arch, stderr)
			}
			return nil
		})
		for i, bd := range boards {
			b.ReportMetric(times[i].Seconds(), "s-"+bd.arch)
			b.ReportMetric(line.Seconds()/times[i].Seconds(), "of-line-"+bd.arch)
			b.ReportMetric(line.Seconds()/streams[i].Seconds(), "stream-of-line-"+bd.arch)
		}
	}
}

// lineTime is how long n bytes take on a line at baud, 8N1: ten bits a
// byte.
func lineTime(n int64, baud int) time.Duration {
	return time.Duration(n * 10 * int64(time.Second) / int64(baud))
}

// sideBySide runs work for each of n boards at once, and stops the
// benchmark at the first error any returns.
func sideBySide(b *testing.B, n int, work func(i int) error) {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = work(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// streamTime adds up how long the binary reader's streams took, each from
// its parameters to its end, from the times of -v's "stream starts" and
// "stream (...)" lines; 0 if the log tells none.
func streamTime(log string) time.Duration {
	var total time.Duration
	var start time.Time
	for _, l := range strings.Split(log, "\n") {
		stamp, rest, _ := strings.Cut(l, " ")
		t, err := time.Parse("15:04:05.000", stamp)
		switch {
		case err != nil:
		case strings.HasPrefix(rest, "debug: stream starts"):
			start = t
		case strings.HasPrefix(rest, "debug: stream (") && !start.IsZero():
			total += t.Sub(start)
			start = time.Time{}
		}
	}
	return total
}

// BenchmarkRouterFlashRealUBoot backs up a 16 MiB router-like flash
// (1 MiB of random data at its start, in its middle and at its end; the
// rest, 81 %, erased) from real U-Boot (Debian's qemu_arm) at 115200
// baud, bootdump's defaults, through the UART-like relay with an FTDI
// adapter's 16 ms latency, and reports the time (target: <= 310 s) and
// the data's line time over it (3 MiB at 115200 is 273.1 s). About 5 min:
//
//	go test ./internal/e2e -run - -bench RouterFlashRealUBoot -benchtime 1x -timeout 30m
func BenchmarkRouterFlashRealUBoot(b *testing.B) {
	const size, data = 16 << 20, 1 << 20
	img := flashImage(size, 61, [2]int{0, data}, [2]int{size/2 - data/2, data}, [2]int{size - data, data})
	board := qemutest.Start(b, img)
	line := lineTime(3*data, 115200)
	for b.Loop() {
		port := uartPort(b, strings.TrimPrefix(board.Port, "tcp://"), uartrelay.FTDI(115200))
		out := filepath.Join(b.TempDir(), "router.bin")
		start := time.Now()
		_, stderr, code := run(b, "dump", "-p", port, "--addr", fmt.Sprintf("%#x", qemutest.Flash1Base), "--size", "16M", "-o", out)
		took := time.Since(start)
		if code != 0 {
			b.Fatal(stderr)
		}
		sameFile(b, out, img)
		b.ReportMetric(took.Seconds(), "s")
		b.ReportMetric(line.Seconds()/took.Seconds(), "of-data-line")
	}
}

// BenchmarkBinaryReaderFastBaud is the same ratio with --fast-baud
// 921600, on the simulator (U-Boot under QEMU offers no rate above
// 115200): 1 MiB of random data, md against the binary reader, the board
// paced at each rate it is switched to. About 1 min:
//
//	go test ./internal/e2e -run - -bench BinaryReaderFastBaud -benchtime 1x
func BenchmarkBinaryReaderFastBaud(b *testing.B) {
	img := randomBytes(1<<20, 45)
	fw := filepath.Join(b.TempDir(), "fw.bin")
	if err := os.WriteFile(fw, img, 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var took [2]time.Duration
		for k, reader := range []string{"md", "binary"} {
			out := filepath.Join(b.TempDir(), reader+".bin")
			start := time.Now()
			_, stderr, code := run(b, "dump", "-p", "sim:uboot?image="+fw+"&baud=115200&bootdelay=0&bits=64", "--fast-baud", "921600",
				"--addr", "0x04000000", "--size", "1M", "-o", out, "--reader", reader)
			took[k] = time.Since(start)
			if code != 0 {
				b.Fatal(stderr)
			}
			sameFile(b, out, img)
		}
		b.ReportMetric(took[0].Seconds(), "s-md")
		b.ReportMetric(took[1].Seconds(), "s-binary")
		b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "speedup")
	}
}

// BenchmarkBinaryReaderCompression reads the first 768 KiB of a
// u-boot.bin (Debian's qemu_arm64 and qemu_arm builds, each in its own
// board's second flash) from real U-Boot with the binary reader, through
// the UART-like relay at 115200 with an FTDI adapter's 16 ms latency,
// with and without the reader's compression (--no-compress), and reports
// both times, setup included, and the speedup (target: >= 1.6). The two
// boards run side by side. About 4 min:
//
//	go test ./internal/e2e -run - -bench BinaryReaderCompression -benchtime 1x -timeout 30m
func BenchmarkBinaryReaderCompression(b *testing.B) {
	const size = 768 << 10 // qemu_arm's u-boot.bin is 789,972 bytes
	boards := []struct {
		arch  string
		start func(testing.TB, []byte) *qemutest.Board
		img   []byte
	}{
		{"arm64", qemutest.StartARM64, nil},
		{"arm", qemutest.Start, nil},
	}
	ports := make([]string, len(boards))
	for i := range boards {
		code, err := os.ReadFile("/usr/lib/u-boot/qemu_" + boards[i].arch + "/u-boot.bin")
		if err != nil || len(code) < size {
			b.Skipf("no u-boot.bin of %d bytes or more for qemu_%s: %v", size, boards[i].arch, err)
		}
		boards[i].img = code[:size]
		ports[i] = boards[i].start(b, boards[i].img).Port
	}
	for b.Loop() {
		var took [2][2]time.Duration // board, then compressed or not
		sideBySide(b, len(boards), func(i int) error {
			bd := boards[i]
			for k, flags := range [][]string{nil, {"--no-compress"}} {
				port := uartPort(b, strings.TrimPrefix(ports[i], "tcp://"), uartrelay.FTDI(115200))
				out := filepath.Join(b.TempDir(), fmt.Sprintf("%s-%d.bin", bd.arch, k))
				start := time.Now()
				_, stderr, code := run(b, append([]string{"dump", "-p", port, "--addr", fmt.Sprintf("%#x", qemutest.Flash1Base),
					"--size", "768K", "-o", out, "--reader", "binary"}, flags...)...)
				took[i][k] = time.Since(start)
				got, err := os.ReadFile(out)
				if code != 0 || err != nil || !bytes.Equal(got, bd.img) {
					return fmt.Errorf("%s %v: exit %d, %v: %s", bd.arch, flags, code, err, stderr)
				}
			}
			return nil
		})
		for i, bd := range boards {
			b.ReportMetric(took[i][0].Seconds(), "s-"+bd.arch)
			b.ReportMetric(took[i][1].Seconds(), "s-uncompressed-"+bd.arch)
			b.ReportMetric(took[i][1].Seconds()/took[i][0].Seconds(), "speedup-"+bd.arch)
		}
	}
}

// BenchmarkRouterFlashFastBaudByReader backs up the 16 MiB router flash
// of BenchmarkRouterFlashRealUBoot (1 MiB of random data at its start,
// middle and end) from the simulated U-Boot at 115200, whose table stops
// there, with --fast-baud 921600: the binary reader sets the UART's
// divisor itself, a PL011's and a 16550's (the board paced at the rate
// the divisor makes), and sets it back at the end. It reports each time
// (target: <= 60 s) against the data's line time at 921600 (34.1 s).
// About 2 min:
//
//	go test ./internal/e2e -run - -bench RouterFlashFastBaudByReader -benchtime 1x
func BenchmarkRouterFlashFastBaudByReader(b *testing.B) {
	const size, data = 16 << 20, 1 << 20
	img := flashImage(size, 61, [2]int{0, data}, [2]int{size/2 - data/2, data}, [2]int{size - data, data})
	for b.Loop() {
		for _, uart := range []struct{ name, console string }{{"pl011", "pl011@9000000"}, {"16550", "serial@10000000"}} {
			board := ptyBoard(b, sim.Config{Image: img, Baud: 115200, BaudRates: []int{9600, 115200}, Console: uart.console, BootDelay: -1})
			out := filepath.Join(b.TempDir(), uart.name+".bin")
			start := time.Now()
			_, stderr, code := run(b, "dump", "-p", board.Path, "--addr", "0x04000000", "--size", "16M", "-o", out, "--fast-baud", "921600")
			took := time.Since(start)
			if code != 0 || !strings.Contains(stderr, "the binary reader set the UART's divisor") {
				b.Fatalf("%s: exit %d, or the reader did not switch:\n%s", uart.name, code, stderr)
			}
			sameFile(b, out, img)
			head := writeFile(b, filepath.Join(b.TempDir(), uart.name+"-head.bin"), img[:64<<10])
			if _, stderr, code := run(b, "verify", "-p", board.Path, "--addr", "0x04000000", head); code != 0 {
				b.Fatalf("%s: the board does not answer at 115200 after the dump: %s", uart.name, stderr)
			}
			b.ReportMetric(took.Seconds(), "s-"+uart.name)
		}
	}
}
