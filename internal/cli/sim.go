package cli

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

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
	linux     bool
	watchdog  time.Duration
	powerOn   time.Duration
	noCRC32   bool
	noBootm   bool   // a build without bootm
	lacks     string // more commands the build is without
	console   string // the UART's device name
	foreign   bool   // a vendor's exported jump table
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
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.sim(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dialect, "dialect", "uboot", "bootloader to simulate: "+strings.Join(sim.Dialects(), ", "))
	fl.StringVar(&f.images, "images", "", "winbond: the image table LS lists, NAME@BASE+SIZE[:FLAGS],... (e.g. linux.bin@0x7F020000+0xB0000:acxz)")
	fl.StringVar(&f.image, "image", "", "flash image the board holds")
	fl.Var(base, "base", "address the image is mapped at (default: 0x04000000 uboot, 0xBC000000 ralink, 0x9F000000 lsdk, 0x7F000000 winbond, 0x1FC00000 cfe, 0x50000000 redboot, 0x08000000 barebox)")
	fl.IntVar(&f.baud, "baud", 115200, "line rate to pace output at (0: as fast as the host reads)")
	fl.StringVar(&f.order, "order", "", "CPU byte order: le or be (default: the board's own, be for lsdk, else le)")
	fl.StringVar(&f.layout, "layout", "new", "md layout: new (2023.01) or old (4 spaces, unpadded last line)")
	fl.IntVar(&f.bits, "bits", 32, "32- or 64-bit build (64 has md.q)")
	fl.IntVar(&f.bootDelay, "bootdelay", 2, "autoboot countdown in seconds (-1: none)")
	fl.StringVar(&f.prompt, "prompt", "", "the prompt (default: the bootloader's own, e.g. => or CFE> )")
	fl.BoolVar(&f.pty, "pty", false, "serve on a new pseudo-terminal and print its path")
	fl.StringVar(&f.listen, "listen", "", "serve on tcp://HOST:PORT")
	fl.BoolVar(&f.noCRC32, "no-crc32", false, "a U-Boot build without the crc32 command")
	fl.BoolVar(&f.noBootm, "no-bootm", false, "a U-Boot build without bootm (programs run with go)")
	fl.StringVar(&f.lacks, "lacks", "", "more commands the build is without, separated by commas (e.g. loady,loadb,loadx,loads)")
	fl.StringVar(&f.console, "console", "", "the UART's device name (default pl011@9000000, where go hangs the board, as on QEMU's virt board)")
	fl.BoolVar(&f.foreign, "foreign-exports", false, "a vendor's exported jump table: getc, tstc and putc are not where U-Boot has them")
	fl.StringVar(&f.sf, "sf", "", "image of a SPI NOR flash (sf probe, sf read, mtd)")
	fl.StringVar(&f.nand, "nand", "", "image of a NAND flash (nand info/bad/read, mtd)")
	fl.StringVar(&f.nandBad, "nand-bad", "", "NAND bad blocks, offsets separated by commas (e.g. 0x40000,0x1e00000)")
	fl.StringVar(&f.mmc, "mmc", "", "image of an eMMC (mmc list/dev/info/read)")
	fl.StringVar(&f.mtdparts, "mtdparts", "", "the mtdparts variable, e.g. mtdparts=nand0:1m(boot),-(rootfs)")
	fl.StringVar(&f.faults, "faults", "", "inject faults, replayable by seed: seed=N,flip=RATE,drop=RATE,dup=RATE,noise=RATE,stall=RATE:DURATION,reset=BYTES[:once],close=BYTES")
	fl.BoolVar(&f.linux, "linux", false, "an autoboot not stopped boots Linux (a kernel log, then a BusyBox shell)")
	fl.DurationVar(&f.watchdog, "watchdog", 0, "reset the board this long after each power-on, as a watchdog the bootloader never feeds")
	fl.DurationVar(&f.powerOn, "power-on-after", 0, "keep the board switched off this long at first")
	return cmd
}

func (a *app) sim(ctx context.Context, f *simFlags) error {
	if f.pty == (f.listen != "") {
		return usagef("give exactly one of --pty and --listen tcp://HOST:PORT")
	}
	if f.image == "" {
		return usagef("no image: give --image FILE")
	}
	// The flags are the settings of a sim: port: one parser for both.
	q := url.Values{}
	set := func(key, value string) {
		if value != "" {
			q.Set(key, value)
		}
	}
	set("image", f.image)
	if f.base != 0 {
		set("base", fmt.Sprintf("%#x", f.base))
	}
	set("baud", strconv.Itoa(f.baud))
	set("order", f.order)
	set("layout", f.layout)
	set("bits", strconv.Itoa(f.bits))
	set("bootdelay", strconv.Itoa(f.bootDelay))
	if f.noCRC32 {
		set("crc32", "no")
	}
	if f.noBootm {
		set("bootm", "no")
	}
	set("lacks", f.lacks)
	set("console", f.console)
	if f.foreign {
		set("exports", "foreign")
	}
	set("prompt", f.prompt)
	set("images", f.images)
	set("sf", f.sf)
	set("nand", f.nand)
	set("nandbad", f.nandBad)
	set("mmc", f.mmc)
	set("mtdparts", f.mtdparts)
	set("faults", f.faults)
	if f.linux {
		set("linux", "yes")
	}
	if f.watchdog > 0 {
		set("watchdog", f.watchdog.String())
	}
	if f.powerOn > 0 {
		set("poweron", f.powerOn.String())
	}
	if f.baud < 0 {
		return usagef("baud %d: 0 or more", f.baud)
	}
	cfg, err := sim.FromParams(f.dialect, q)
	if err != nil {
		if _, statErr := os.Stat(f.image); statErr != nil {
			return err
		}
		return usagef("%v", err)
	}
	img := cfg.Image
	describe := func(where string) {
		base := cmp.Or(cfg.Base, sim.DefaultBase(cfg.Dialect))
		fmt.Fprintf(a.stdout, "%s\n", where)
		fmt.Fprintf(a.stderr, "simulated %s on %s: %d bytes of flash at %#x, %d baud; %s power-cycles it, Ctrl-C stops it\n",
			f.dialect, where, len(img), base, f.baud, powerCycleHint(os.Getpid()))
	}
	if f.pty {
		board, err := sim.ServePTY(cfg)
		if err != nil {
			return err
		}
		defer board.Close()
		describe(board.Path)
		powerCycleOnSignal(ctx, board.Board)
		return nil
	}
	addr := strings.TrimPrefix(f.listen, "tcp://")
	if addr == f.listen {
		return usagef("listen address %q: use tcp://HOST:PORT", f.listen)
	}
	err = sim.ListenTCP(ctx, addr, cfg, func(bound net.Addr, board *sim.Board) {
		describe("tcp://" + bound.String())
		go powerCycleOnSignal(ctx, board)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}
