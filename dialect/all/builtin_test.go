package all

import (
	"bytes"
	"context"
	"github.com/bootdump/bootdump/dialect/registry"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
	"github.com/bootdump/bootdump/dialect/profile"
	"github.com/bootdump/bootdump/sim"
)

// connect powers on a simulated board of the profile's dialect and opens a
// session on it.
func connect(t *testing.T, p *profile.Profile, cfg sim.Config, width int) dialect.Session {
	t.Helper()
	port, err := sim.Pipe(cfg)
	if err != nil {
		t.Fatal(err)
	}
	entry := profile.Bootloader(p, "")
	con := console.New(port, entry.ConsoleOptions(console.Options{IdleTimeout: 5 * time.Second}))
	t.Cleanup(func() { con.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := con.Sync(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	s, err := profile.Open(ctx, con, nil, p, dialect.Options{MaxWidth: width})
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

// builtins are the registry's bootloaders that profiles describe, by name.
var builtins = map[string]func() *profile.Profile{
	"winbond": profile.Winbond, "cfe": profile.CFE, "redboot": profile.RedBoot, "barebox": profile.Barebox,
	"openbios": profile.OpenBIOS, "slof": profile.SLOF, "uefi-shell": profile.UEFIShell,
}

// Every bootloader but U-Boot in the registry is one of the built-in
// profiles, and the other way round.
func TestRegistryHoldsTheBuiltins(t *testing.T) {
	for _, name := range registry.Names() {
		if _, ok := builtins[name]; !ok && name != "uboot" && name != "ralink" && name != "lsdk" {
			t.Errorf("%s is in the registry but not among the built-in profiles", name)
		}
	}
	for name := range builtins {
		if _, ok := registry.Lookup(name); !ok {
			t.Errorf("the built-in profile %s is not in the registry", name)
		}
	}
}

// The simulator runs every bootloader of the registry, and no other: a
// new bootloader is an entry here and a personality there.
func TestSimulatorRunsEveryBootloader(t *testing.T) {
	names, simulated := registry.Names(), sim.Dialects()
	slices.Sort(names)
	if !slices.Equal(names, simulated) {
		t.Fatalf("the registry knows %v, the simulator runs %v", names, simulated)
	}
}

// Each built-in profile reads the simulator at every width it offers, in
// either CPU byte order, and its checksum is the one computed here.
func TestBuiltinsReadEveryWidth(t *testing.T) {
	img := random(64<<10, 1)
	for name, builtin := range builtins {
		for _, bigEndian := range []bool{false, true} {
			for _, r := range builtin().Reads {
				p := builtin()
				s := connect(t, p, sim.Config{Dialect: name, Image: img, BootDelay: 1, BigEndian: bigEndian}, r.Width)
				base := sim.DefaultBase(name)
				got := make([]byte, 4096)
				if err := s.ReadMemory(context.Background(), base+0x1000, got, nil); err != nil {
					t.Fatalf("%s width %d: %v", name, r.Width, err)
				}
				if !bytes.Equal(got, img[0x1000:0x2000]) {
					t.Fatalf("%s width %d (big-endian %v): wrong bytes", name, r.Width, bigEndian)
				}
				if p.Checksum != nil {
					c := s.(dialect.Checksummer)
					sum, err := c.Checksum(context.Background(), base+0x1000, 4096)
					if err != nil || sum != c.Algorithm().Sum(img[0x1000:0x2000]) {
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
	for name, builtin := range builtins {
		p, err := profile.Load("../../profiles/" + name + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		cfg := sim.Config{Dialect: name, Image: img, BootDelay: 1}
		base := sim.DefaultBase(name)
		viaProfile, viaBuiltin := make([]byte, 8192), make([]byte, 8192)
		s := connect(t, p, cfg, 0)
		if err := s.ReadMemory(context.Background(), base+0x2000, viaProfile, nil); err != nil {
			t.Fatalf("%s profile: %v", name, err)
		}
		if (p.Checksum == nil) != (builtin().Checksum == nil) {
			t.Fatalf("%s: the profile and the built-in dialect differ in having a checksum", name)
		}
		if p.Checksum != nil {
			if p.Checksum.Algorithm.Name != builtin().Checksum.Algorithm.Name {
				t.Fatalf("%s: the profile's checksum is %s, the built-in's %s", name, p.Checksum.Algorithm.Name, builtin().Checksum.Algorithm.Name)
			}
			c := s.(dialect.Checksummer)
			sum, err := c.Checksum(context.Background(), base+0x2000, 8192)
			if err != nil || sum != c.Algorithm().Sum(img[0x2000:0x4000]) {
				t.Fatalf("%s profile checksum %08x %v", name, sum, err)
			}
		}
		if err := connect(t, builtin(), cfg, 0).ReadMemory(context.Background(), base+0x2000, viaBuiltin, nil); err != nil {
			t.Fatalf("%s built-in: %v", name, err)
		}
		if !bytes.Equal(viaProfile, viaBuiltin) || !bytes.Equal(viaProfile, img[0x2000:0x4000]) {
			t.Fatalf("%s: the profile and the built-in dialect read different bytes", name)
		}
	}
}
