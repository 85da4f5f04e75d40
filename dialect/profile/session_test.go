package profile

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/sim"
)

// connect powers on a simulated board of the profile's dialect and opens a
// session on it.
func connect(t *testing.T, p *Profile, cfg sim.UBootConfig) *Session {
	t.Helper()
	port, err := sim.Pipe(cfg)
	if err != nil {
		t.Fatal(err)
	}
	con := console.New(port, console.Options{Prompts: p.Prompts, Autoboot: p.Autoboot, Wake: p.Wake, IdleTimeout: 5 * time.Second})
	t.Cleanup(func() { con.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := con.Sync(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	s, err := Open(ctx, con, nil, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuiltinsReadEveryWidth(t *testing.T) {
	img := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	for _, name := range Names {
		for _, bigEndian := range []bool{false, true} {
			p := Builtin(name)
			s := connect(t, p, sim.UBootConfig{Dialect: name, Image: img, BootDelay: 1, BigEndian: bigEndian})
			base := map[string]uint64{"winbond": 0x7f000000, "cfe": 0x1fc00000, "redboot": 0x50000000, "barebox": 0x08000000}[name]
			for _, r := range p.Reads {
				s.maxWidth = r.Width
				got := make([]byte, 4096)
				if err := s.ReadMemory(context.Background(), base+0x1000, got, nil); err != nil {
					t.Fatalf("%s width %d: %v", name, r.Width, err)
				}
				if !bytes.Equal(got, img[0x1000:0x2000]) {
					t.Fatalf("%s width %d (big-endian %v): wrong bytes", name, r.Width, bigEndian)
				}
			}
			if p.Checksum != nil {
				sum, err := s.CRC32(context.Background(), base+0x1000, 4096)
				if err != nil || sum != p.Checksum.Sum(img[0x1000:0x2000]) {
					t.Fatalf("%s checksum %08x %v", name, sum, err)
				}
			}
			t.Logf("%s: %+v", name, s.Identity())
		}
	}
}

// The profiles shipped as examples read what the built-in dialects read.
func TestShippedProfilesMatchBuiltins(t *testing.T) {
	img := make([]byte, 16<<10)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	for _, name := range Names {
		p, err := Load("../../profiles/" + name + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		cfg := sim.UBootConfig{Dialect: name, Image: img, BootDelay: 1}
		base := map[string]uint64{"winbond": 0x7f000000, "cfe": 0x1fc00000, "redboot": 0x50000000, "barebox": 0x08000000}[name]
		viaProfile, viaBuiltin := make([]byte, 8192), make([]byte, 8192)
		s := connect(t, p, cfg)
		if err := s.ReadMemory(context.Background(), base+0x2000, viaProfile, nil); err != nil {
			t.Fatalf("%s profile: %v", name, err)
		}
		if p.Checksum != nil {
			sum, err := s.CRC32(context.Background(), base+0x2000, 8192)
			if err != nil || sum != s.Sum(img[0x2000:0x4000]) {
				t.Fatalf("%s profile checksum %08x %v", name, sum, err)
			}
		}
		if err := connect(t, Builtin(name), cfg).ReadMemory(context.Background(), base+0x2000, viaBuiltin, nil); err != nil {
			t.Fatalf("%s built-in: %v", name, err)
		}
		if !bytes.Equal(viaProfile, viaBuiltin) || !bytes.Equal(viaProfile, img[0x2000:0x4000]) {
			t.Fatalf("%s: the profile and the built-in dialect read different bytes", name)
		}
	}
}

// PosixCksum agrees with coreutils' cksum (values taken from it).
func TestPosixCksum(t *testing.T) {
	seq := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	for _, c := range []struct {
		data []byte
		want uint32
	}{{nil, 4294967295}, {seq, 3533132088}, {[]byte("123456789"), 930766865}} {
		if got := PosixCksum(c.data); got != c.want {
			t.Errorf("PosixCksum(%q) = %d, want %d", c.data, got, c.want)
		}
	}
}
