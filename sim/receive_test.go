package sim

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/bootdump/bootdump/xfer"
)

// loady keeps exactly the file YMODEM announces; loadx keeps whole blocks
// and strips the trailing 0x1A padding, a file's own 0x1A bytes with it.
func TestLoadReceivers(t *testing.T) {
	p, err := Pipe(Config{Image: make([]byte, 1<<20), BootDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	line := xfer.NewLine(p)
	upTo := func(marker string) string {
		var out []byte
		for !strings.HasSuffix(string(out), marker) {
			c, err := line.Next(context.Background(), 5*time.Second)
			if err != nil {
				t.Fatalf("waiting for %q after %q: %v", marker, out, err)
			}
			out = append(out, c)
		}
		return string(out)
	}
	upTo("\n=> ")
	data := append(bytes.Repeat([]byte("bootdump"), 2000), 0x1a, 0x1a)
	for _, c := range []struct {
		cmd  string
		send func() error
		kept []byte
	}{
		{"loady 0x40000000", func() error { return xfer.SendYMODEM(context.Background(), line, "f", data, xfer.Options{}) }, data},
		{"loadx 0x40100000", func() error { return xfer.SendXMODEM(context.Background(), line, data, xfer.Options{}) }, data[:len(data)-2]},
	} {
		p.Write([]byte(c.cmd + "\r"))
		if err := c.send(); err != nil {
			t.Fatalf("%s: %v", c.cmd, err)
		}
		out := upTo("\n=> ")
		want := fmt.Sprintf("## Total Size      = 0x%08x = %d Bytes\r\n", len(c.kept), len(c.kept))
		if !strings.Contains(out, want) {
			t.Fatalf("%s printed %q, want %q", c.cmd, out, want)
		}
		addr := strings.Fields(c.cmd)[1]
		p.Write([]byte(fmt.Sprintf("crc32 %s %x\r", addr, len(c.kept))))
		if out := upTo("\n=> "); !strings.Contains(out, fmt.Sprintf("==> %08x", crc32.ChecksumIEEE(c.kept))) {
			t.Fatalf("%s: crc32 printed %q", c.cmd, out)
		}
	}
}
