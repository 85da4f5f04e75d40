package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/testport"
	"github.com/bootdump/bootdump/sim"
)

// ser2net is Debian's ser2net 4 serving one simulated board's
// pseudo-terminal on a TCP port of this machine, as a lab's Raspberry Pi
// serves a USB adapter.
type ser2net struct {
	t      testing.TB
	config string
	port   int
	cmd    *exec.Cmd
	exited chan error // the running one's end
}

// startSer2net serves dev with the accepter given ("telnet(rfc2217)",
// "telnet" or "" for raw TCP), its port set to baud until a client sets
// another.
func startSer2net(t testing.TB, dev, accepter string, baud int) *ser2net {
	t.Helper()
	path, err := exec.LookPath("ser2net")
	if err != nil {
		if path, err = exec.LookPath("/usr/sbin/ser2net"); err != nil {
			if os.Getenv("BOOTDUMP_REQUIRE_TOOLS") == "1" {
				t.Fatal("ser2net is missing, and BOOTDUMP_REQUIRE_TOOLS=1")
			}
			t.Skip("ser2net is missing (scripts/test installs it)")
		}
	}
	port := testport.Free(t)
	if accepter != "" {
		accepter += ","
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "ser2net.yaml")
	yaml := fmt.Sprintf("connection: &board\n  accepter: %stcp,127.0.0.1,%d\n  connector: serialdev,%s,%dn81,local\n  options:\n    kickolduser: true\n", accepter, port, dev, baud)
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &ser2net{t: t, config: config, port: port}
	s.cmd = exec.Command(path, "-n", "-u", "-c", config, "-P", filepath.Join(dir, "pid"))
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start runs ser2net and returns once it takes connections.
func (s *ser2net) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.cmd.Path, s.cmd.Args[1:]...)
	var stderr bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &stderr, &stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan error, 1)
	s.exited = exited
	go func() { exited <- s.cmd.Wait() }()
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
		if err == nil {
			c.Close() // a client's connection kicks this one out, should it linger
			return
		}
		select {
		case err := <-exited:
			s.t.Fatalf("ser2net exited (%v): %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond): // polling a port that is not listening yet
		}
	}
}

// stop kills ser2net: every client's connection drops at once.
func (s *ser2net) stop() {
	if s.exited != nil {
		s.cmd.Process.Kill()
		<-s.exited
		s.exited = nil
	}
}

func (s *ser2net) url(scheme string) string { return fmt.Sprintf("%s://127.0.0.1:%d", scheme, s.port) }

// A board at 57600 behind a server set to 115200: -b auto finds the
// rate through RFC 2217 (every rate it tries is set on the server's port,
// and the simulator garbles a line driven at the wrong one).
func TestRFC2217FindsRate(t *testing.T) {
	t.Parallel()
	flash := randomBytes(16<<10, 61)
	board := ptyBoard(t, sim.Config{Image: flash, Baud: 57600, BootDelay: -1})
	srv := startSer2net(t, board.Path, "telnet(rfc2217)", 115200)
	out := filepath.Join(t.TempDir(), "flash.bin")
	r, stderr := dumpOK(t, flash, "-p", srv.url("rfc2217"), "-b", "auto", "--addr", "0x04000000", "--size", "16K", "-o", out, "--reader", "md")
	if r.Baud != 57600 {
		t.Fatalf("dumped at %d baud, want 57600\n%s", r.Baud, stderr)
	}
	probePorts(t, srv, "rfc2217")
}

// probePorts runs bootdump ports --host on the server's port and wants
// it listed as speaking kind (with its rate, where RFC 2217 tells it).
func probePorts(t *testing.T, srv *ser2net, kind string) {
	t.Helper()
	stdout, stderr, code := run(t, "ports", "--host", "127.0.0.1", "--tcp", fmt.Sprint(srv.port), "--json")
	var rows []struct {
		Port, Kind string
		Baud       int
	}
	if err := json.Unmarshal([]byte(stdout), &rows); code != 0 || err != nil || len(rows) != 1 {
		t.Fatalf("ports --host: exit %d, %v: %s%s", code, err, stdout, stderr)
	}
	if r := rows[0]; r.Port != srv.url(kind) || r.Kind != kind || (kind == "rfc2217") != (r.Baud > 0) {
		t.Fatalf("ports --host listed %+v, want %s", r, srv.url(kind))
	}
}

// --fast-baud switches both ends through RFC 2217 and back: the dump at
// 230400 is identical, and the board answers at 57600 afterwards (a second
// dump at -b 57600 reads it).
func TestRFC2217FastBaud(t *testing.T) {
	t.Parallel()
	flash := randomBytes(256<<10, 62)
	board := ptyBoard(t, sim.Config{Image: flash, Baud: 57600, BootDelay: -1})
	srv := startSer2net(t, board.Path, "telnet(rfc2217)", 57600)
	out := filepath.Join(t.TempDir(), "flash.bin")
	r, stderr := dumpOK(t, flash, "-p", srv.url("rfc2217"), "-b", "57600", "--fast-baud", "230400", "--addr", "0x04000000", "--size", "256K", "-o", out)
	if r.Baud != 230400 {
		t.Fatalf("dumped at %d baud, want 230400\n%s", r.Baud, stderr)
	}
	again := filepath.Join(t.TempDir(), "again.bin")
	dumpOK(t, flash[:16<<10], "-p", srv.url("rfc2217"), "-b", "57600", "--addr", "0x04000000", "--size", "16K", "-o", again, "--reader", "md")
}

// Erased flash is all 0xFF, telnet's IAC: through RFC 2217 and the binary
// reader (raw bytes), every one arrives once, none is taken for a
// command.
func TestRFC2217ErasedFlash(t *testing.T) {
	t.Parallel()
	flash := bytes.Repeat([]byte{0xff}, 128<<10)
	copy(flash[0x100:], "\xff\xfa\x2c\x01\xff\xf0 a subnegotiation in the data")
	board := ptyBoard(t, sim.Config{Image: flash, Baud: 115200, BootDelay: -1})
	srv := startSer2net(t, board.Path, "telnet(rfc2217)", 115200)
	out := filepath.Join(t.TempDir(), "flash.bin")
	r, stderr := dumpOK(t, flash, "-p", srv.url("rfc2217"), "--addr", "0x04000000", "--size", "128K", "-o", out, "--reader", "binary", "--no-skip")
	if r.Device.Command != "binary reader (arm)" {
		t.Fatalf("read by %q, want the binary reader\n%s", r.Device.Command, stderr)
	}
}

// ser2net killed mid-dump and started again: the connection is dialed
// again (the rate set again through RFC 2217: the server's port starts at
// 115200, the board runs at 57600), the dump resumes, identical.
func TestRFC2217Dropped(t *testing.T) {
	t.Parallel()
	flash := randomBytes(48<<10, 63)
	board := ptyBoard(t, sim.Config{Image: flash, Baud: 57600, BootDelay: -1})
	srv := startSer2net(t, board.Path, "telnet(rfc2217)", 115200)
	ctx := context.Background()
	dev, err := backup.Connect(ctx, backup.Connection{Port: srv.url("rfc2217"), Baud: 57600}, dialect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(ctx)
	dropped := false
	buf := make([]byte, len(flash))
	res, err := backup.Dump(ctx, dev, backup.DumpOptions{Addr: 0x04000000, Size: uint64(len(flash)), To: dump.Memory(buf), Reader: backup.ReadDump, ChunkSize: 8 << 10,
		ReconnectTimeout: 30 * time.Second,
		Progress: func(p dump.Progress) {
			if !dropped && p.Done >= 16<<10 {
				dropped = true
				srv.stop()
				srv.start()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !dropped || res.Reconnects == 0 || !bytes.Equal(buf, flash) {
		t.Fatalf("dropped %v, reconnects %d, identical %v", dropped, res.Reconnects, bytes.Equal(buf, flash))
	}
}

// A server in telnet mode without RFC 2217: telnet:// dumps at the rate
// the server's port is set to, identical; --fast-baud is refused in one
// warning (the board would switch and the host could not follow).
func TestTelnetFixedRate(t *testing.T) {
	t.Parallel()
	flash := randomBytes(64<<10, 64)
	board := ptyBoard(t, sim.Config{Image: flash, Baud: 57600, BootDelay: -1})
	srv := startSer2net(t, board.Path, "telnet", 57600)
	out := filepath.Join(t.TempDir(), "flash.bin")
	_, stderr := dumpOK(t, flash, "-p", srv.url("telnet"), "--fast-baud", "230400", "--addr", "0x04000000", "--size", "64K", "-o", out)
	if strings.Count(stderr, "has no rate bootdump can set") != 1 {
		t.Fatalf("--fast-baud on telnet:// not refused once:\n%s", stderr)
	}
	probePorts(t, srv, "telnet")
}
