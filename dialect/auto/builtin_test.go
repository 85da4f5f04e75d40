package auto

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/sim"
)

// connect powers on a simulated board of the profile's dialect and opens a
// session on it.
func connect(t *testing.T, p *profile.Profile, cfg sim.UBootConfig, width int) *profile.Session {
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
	s, err := profile.Open(ctx, con, nil, p, profile.Options{MaxWidth: width})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func random(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// Each built-in profile reads the simulator at every width it offers, in
// either CPU byte order, and its checksum is the one computed here.
func TestBuiltinsReadEveryWidth(t *testing.T) {
	img := random(64<<10, 1)
	for _, name := range Names {
		for _, bigEndian := range []bool{false, true} {
			for _, r := range Builtin(name).Reads {
				p := Builtin(name)
				s := connect(t, p, sim.UBootConfig{Dialect: name, Image: img, BootDelay: 1, BigEndian: bigEndian}, r.Width)
				base := sim.DefaultBase(name)
				got := make([]byte, 4096)
				if err := s.ReadMemory(context.Background(), base+0x1000, got, nil); err != nil {
					t.Fatalf("%s width %d: %v", name, r.Width, err)
				}
				if !bytes.Equal(got, img[0x1000:0x2000]) {
					t.Fatalf("%s width %d (big-endian %v): wrong bytes", name, r.Width, bigEndian)
				}
				if p.Checksum != nil {
					sum, err := s.CRC32(context.Background(), base+0x1000, 4096)
					if err != nil || sum != s.Sum(img[0x1000:0x2000]) {
						t.Fatalf("%s checksum %08x %v", name, sum, err)
					}
				}
			}
		}
	}
}

// The profiles shipped as examples (profiles/*.toml) read what the
// built-in dialects read, and check the same sums.
func TestShippedProfilesMatchBuiltins(t *testing.T) {
	img := random(16<<10, 3)
	for _, name := range Names {
		p, err := profile.Load("../../profiles/" + name + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		cfg := sim.UBootConfig{Dialect: name, Image: img, BootDelay: 1}
		base := sim.DefaultBase(name)
		viaProfile, viaBuiltin := make([]byte, 8192), make([]byte, 8192)
		s := connect(t, p, cfg, 0)
		if err := s.ReadMemory(context.Background(), base+0x2000, viaProfile, nil); err != nil {
			t.Fatalf("%s profile: %v", name, err)
		}
		if (p.Checksum == nil) != (Builtin(name).Checksum == nil) {
			t.Fatalf("%s: the profile and the built-in dialect differ in having a checksum", name)
		}
		if p.Checksum != nil {
			sum, err := s.CRC32(context.Background(), base+0x2000, 8192)
			if err != nil || sum != s.Sum(img[0x2000:0x4000]) {
				t.Fatalf("%s profile checksum %08x %v", name, sum, err)
			}
		}
		if err := connect(t, Builtin(name), cfg, 0).ReadMemory(context.Background(), base+0x2000, viaBuiltin, nil); err != nil {
			t.Fatalf("%s built-in: %v", name, err)
		}
		if !bytes.Equal(viaProfile, viaBuiltin) || !bytes.Equal(viaProfile, img[0x2000:0x4000]) {
			t.Fatalf("%s: the profile and the built-in dialect read different bytes", name)
		}
	}
}
