package backup_test

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/dialecttest"
	"github.com/bootdump/bootdump/dialect/registry"
	"github.com/bootdump/bootdump/dump"
)

// Adding a bootloader is one registry entry (ARCHITECTURE.md, "Where
// things go"): here one that no file of bootdump names, whose prompt is
// "fx> " and whose session is dialecttest's. Auto-detection finds it by
// its prompt, and backup.Dump reads through it with the device's
// checksums, as it would through U-Boot.
func TestAddedBootloader(t *testing.T) {
	const base = 0x20000000
	mem := bytes.Repeat([]byte("fixture loader memory "), 3000)[:64<<10]
	registry.Register(dialect.Bootloader{
		Name:    "fixture",
		Title:   "Fixture Loader",
		Traits:  console.Traits{Prompts: []string{"fx> "}},
		Banners: []string{"Fixture Loader"},
		Open: func(context.Context, *console.Console, *dialect.Link, dialect.Options) (dialect.Session, error) {
			s := dialecttest.NewSession(base, mem)
			s.Ident.Dialect = "fixture"
			return s, nil
		},
	})
	ctx := context.Background()
	dev, err := backup.Open(ctx, fixturePort(t), backup.Connection{}, dialect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(ctx)
	buf := make([]byte, len(mem))
	res, err := backup.Dump(ctx, dev, backup.DumpOptions{Addr: base, Size: uint64(len(mem)), To: dump.Memory(buf)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.Device.Dialect != "fixture" || res.Record.Algorithm != "crc32" || !bytes.Equal(buf, mem) {
		t.Fatalf("record %+v, identical %v: want the fixture's session, its crc32, the memory", res.Record, bytes.Equal(buf, mem))
	}
}

// fixturePort is the fixture bootloader's console: its banner, then its
// prompt again after every line or Ctrl-C, echoing what it is sent.
func fixturePort(t *testing.T) console.Port {
	host, board := net.Pipe()
	t.Cleanup(func() { board.Close() })
	go func() {
		board.Write([]byte("\r\nFixture Loader 1.0\r\nfx> "))
		b := make([]byte, 1)
		for {
			if _, err := board.Read(b); err != nil {
				return
			}
			switch b[0] {
			case '\r', '\n', 0x03:
				board.Write([]byte("\r\nfx> "))
			default:
				board.Write(b)
			}
		}
	}()
	return host
}
