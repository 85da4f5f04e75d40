package cli

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/sim"
)

type simFlags struct {
	dialect   string
	image     string
	base      uint64
	baud      int
	order     string
	layout    string
	bits      int
	bootDelay int
	prompt    string
	pty       bool
	listen    string
	faults    string
	noCRC32   bool
	sf, nand  string // flash behind controllers
	nandBad   string
	mmc       string
	mtdparts  string
	images    string // the Winbond loader's image table
}

func (a *app) simCommand() *cobra.Command {
	var f simFlags
	base := &numberFlag{v: &f.base}
	cmd := &cobra.Command{
		Use:   "sim --dialect uboot --image FILE (--pty | --listen tcp://127.0.0.1:PORT)",
		Short: "Serve a simulated bootloader console, for trying bootdump without hardware",
		Long: `sim powers on a simulated board whose flash holds FILE and serves its
bootloader console on a pseudo-terminal or a TCP port, printing exactly what
the real bootloader prints, paced like a UART at --baud. It runs until
interrupted. On TCP the board lives on across connections, as a real one
does while its USB-serial adapter is unplugged.`,
		Example: `  bootdump sim --dialect uboot --image fw.bin --pty
  bootdump sim --dialect uboot --image fw.bin --listen tcp://127.0.0.1:5555 --baud 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.sim(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dialect, "dialect", "uboot", "bootloader to simulate: "+strings.Join(sim.Dialects, ", "))
	fl.StringVar(&f.images, "images", "", "winbond: the image table LS lists, NAME@BASE+SIZE[:FLAGS],... (e.g. linux.bin@0x7F020000+0xB0000:acxz)")
	fl.StringVar(&f.image, "image", "", "flash image the board holds")
	fl.Var(base, "base", "address the image is mapped at (default: 0x04000000 uboot, 0x7F000000 winbond, 0x1FC00000 cfe, 0x50000000 redboot, 0x08000000 barebox)")
	fl.IntVar(&f.baud, "baud", 115200, "line rate to pace output at (0: as fast as the host reads)")
	fl.StringVar(&f.order, "order", "le", "CPU byte order: le or be")
	fl.StringVar(&f.layout, "layout", "new", "md layout: new (2023.01) or old (4 spaces, unpadded last line)")
	fl.IntVar(&f.bits, "bits", 32, "32- or 64-bit build (64 has md.q)")
	fl.IntVar(&f.bootDelay, "bootdelay", 2, "autoboot countdown in seconds (-1: none)")
	fl.StringVar(&f.prompt, "prompt", "", "the prompt (default: the bootloader's own, e.g. => or CFE> )")
	fl.BoolVar(&f.pty, "pty", false, "serve on a new pseudo-terminal and print its path")
	fl.StringVar(&f.listen, "listen", "", "serve on tcp://HOST:PORT")
	fl.BoolVar(&f.noCRC32, "no-crc32", false, "a U-Boot build without the crc32 command")
	fl.StringVar(&f.sf, "sf", "", "image of a SPI NOR flash (sf probe, sf read, mtd)")
	fl.StringVar(&f.nand, "nand", "", "image of a NAND flash (nand info/bad/read, mtd)")
	fl.StringVar(&f.nandBad, "nand-bad", "", "NAND bad blocks, offsets separated by commas (e.g. 0x40000,0x1e00000)")
	fl.StringVar(&f.mmc, "mmc", "", "image of an eMMC (mmc list/dev/info/read)")
	fl.StringVar(&f.mtdparts, "mtdparts", "", "the mtdparts variable, e.g. mtdparts=nand0:1m(boot),-(rootfs)")
	fl.StringVar(&f.faults, "faults", "", "inject faults, replayable by seed: seed=N,flip=RATE,drop=RATE,dup=RATE,noise=RATE,stall=RATE:DURATION,reset=BYTES,close=BYTES")
	return cmd
}

func (a *app) sim(ctx context.Context, f *simFlags) error {
	switch {
	case !slices.Contains(sim.Dialects, f.dialect):
		return usagef("dialect %q: the simulator speaks %s", f.dialect, strings.Join(sim.Dialects, ", "))
	case f.image == "":
		return usagef("no image: give --image FILE")
	case f.pty == (f.listen != ""):
		return usagef("give exactly one of --pty and --listen tcp://HOST:PORT")
	case f.order != "le" && f.order != "be":
		return usagef("order %q: le or be", f.order)
	case f.layout != "new" && f.layout != "old":
		return usagef("layout %q: new or old", f.layout)
	case f.bits != 32 && f.bits != 64:
		return usagef("bits %d: 32 or 64", f.bits)
	case f.baud < 0:
		return usagef("baud %d: 0 or more", f.baud)
	}
	bootDelay := f.bootDelay
	if bootDelay == 0 {
		bootDelay = -1 // no countdown at all
	}
	cfg := sim.UBootConfig{
		Dialect: f.dialect, Base: f.base, Baud: f.baud, BigEndian: f.order == "be", OldLayout: f.layout == "old",
		Bits64: f.bits == 64, BootDelay: bootDelay, Prompt: f.prompt, NoCRC32: f.noCRC32,
	}
	if f.faults != "" {
		faults, err := sim.ParseFaults(f.faults)
		if err != nil {
			return usagef("--faults: %v", err)
		}
		cfg.Faults = &faults
	}
	if f.images != "" {
		images, err := sim.ParseImages(f.images)
		if err != nil {
			return usagef("--images: %v", err)
		}
		cfg.Images = images
	}
	img, err := os.ReadFile(f.image)
	if err != nil {
		return err
	}
	cfg.Image = img
	cfg.Mtdparts = f.mtdparts
	for _, d := range []struct{ kind, path, bad string }{{"sf", f.sf, ""}, {"nand", f.nand, f.nandBad}, {"mmc", f.mmc, ""}} {
		if d.path == "" {
			continue
		}
		dev, err := sim.FlashFromFile(d.kind, d.path, d.bad)
		if err != nil {
			return err
		}
		cfg.Flash = append(cfg.Flash, dev)
	}
	describe := func(where string) {
		base := cmp.Or(cfg.Base, sim.DefaultBase(f.dialect))
		fmt.Fprintf(a.stdout, "%s\n", where)
		fmt.Fprintf(a.stderr, "simulated %s on %s: %d bytes of flash at %#x, %d baud; Ctrl-C stops it\n", f.dialect, where, len(img), base, f.baud)
	}
	if f.pty {
		board, err := sim.ServePTY(cfg)
		if err != nil {
			return err
		}
		defer board.Close()
		describe(board.Path)
		<-ctx.Done()
		return nil
	}
	addr := strings.TrimPrefix(f.listen, "tcp://")
	if addr == f.listen {
		return usagef("listen address %q: use tcp://HOST:PORT", f.listen)
	}
	err = sim.ListenTCP(ctx, addr, cfg, func(bound net.Addr, _ *sim.UBoot) { describe("tcp://" + bound.String()) })
	if ctx.Err() != nil {
		return nil
	}
	return err
}
