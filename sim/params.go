package sim

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// URLScheme starts a port name that this package opens: sim:DIALECT?KEY=VALUE&...
const URLScheme = "sim:"

// ParamHelp names the settings a board takes, as sim: port parameters and
// as bootdump sim's flags alike.
const ParamHelp = "image=FILE base=A baud=N order=le|be layout=new|old bits=32|64 bootdelay=S (0: none) crc32=no " +
	"bootm=no lacks=CMD,... (commands the build is without) compiler=no (version names none) console=NAME (default pl011@9000000) exports=foreign prompt=P images=NAME@BASE+SIZE:FLAGS,... sf=FILE nand=FILE nandbad=OFF,... mmc=FILE mtdparts=SPEC faults=SPEC " +
	"linux=yes (an autoboot not stopped boots Linux) watchdog=DURATION poweron=DURATION (switched off until then)"

// FromParams builds a board's configuration from named settings: the
// query of a sim: port and the flags of bootdump sim both come here, so
// the two mean the same.
func FromParams(dialect string, q url.Values) (Config, error) {
	var cfg Config
	if _, ok := personalities[dialect]; !ok {
		return cfg, fmt.Errorf("the simulator speaks %s, not %q", strings.Join(Dialects(), ", "), dialect)
	}
	cfg.Dialect = dialect
	for key := range q {
		if !slices.Contains(paramNames, key) {
			return cfg, fmt.Errorf("unknown setting %q (the settings: %s)", key, ParamHelp)
		}
	}
	path := q.Get("image")
	if path == "" {
		return cfg, fmt.Errorf("no image: give image=FILE")
	}
	img, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("simulator image: %w", err)
	}
	cfg.Image = img
	num := func(key string) (uint64, error) {
		s := q.Get(key)
		if s == "" {
			return 0, nil
		}
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%s=%s is not a number", key, s)
		}
		return v, nil
	}
	if cfg.Base, err = num("base"); err != nil {
		return cfg, err
	}
	baud, err := num("baud")
	if err != nil {
		return cfg, err
	}
	cfg.Baud = int(baud)
	if s := q.Get("bootdelay"); s != "" {
		delay, err := strconv.Atoi(s)
		if err != nil {
			return cfg, fmt.Errorf("bootdelay=%s is not a number of seconds", s)
		}
		cfg.BootDelay = delay
		if delay <= 0 {
			cfg.BootDelay = -1 // no countdown at all
		}
	}
	choice := func(key string, values ...string) (string, error) {
		v := q.Get(key)
		if v == "" || slices.Contains(values, v) {
			return v, nil
		}
		return "", fmt.Errorf("%s=%s: %s", key, v, strings.Join(values, " or "))
	}
	var order, layout, bits, crc string
	if order, err = choice("order", "le", "be"); err != nil {
		return cfg, err
	}
	if layout, err = choice("layout", "new", "old"); err != nil {
		return cfg, err
	}
	if bits, err = choice("bits", "32", "64"); err != nil {
		return cfg, err
	}
	if crc, err = choice("crc32", "yes", "no"); err != nil {
		return cfg, err
	}
	if order == "" && personalities[dialect].bigEndian {
		order = "be" // Atheros's MIPS SoCs are big-endian
	}
	cfg.BigEndian, cfg.OldLayout, cfg.Bits64, cfg.NoCRC32 = order == "be", layout == "old", bits == "64", crc == "no"
	var bootm, exports string
	if bootm, err = choice("bootm", "yes", "no"); err != nil {
		return cfg, err
	}
	if exports, err = choice("exports", "u-boot", "foreign"); err != nil {
		return cfg, err
	}
	cfg.NoBootm, cfg.ForeignExports, cfg.Console = bootm == "no", exports == "foreign", q.Get("console")
	var compiler string
	if compiler, err = choice("compiler", "yes", "no"); err != nil {
		return cfg, err
	}
	cfg.NoCompiler = compiler == "no"
	if s := q.Get("lacks"); s != "" {
		cfg.Lacks = strings.Split(s, ",")
	}
	var linux string
	if linux, err = choice("linux", "yes", "no"); err != nil {
		return cfg, err
	}
	cfg.Linux = linux == "yes"
	for key, d := range map[string]*time.Duration{"watchdog": &cfg.Watchdog, "poweron": &cfg.PowerOnAfter} {
		if s := q.Get(key); s != "" {
			if *d, err = time.ParseDuration(s); err != nil || *d < 0 {
				return cfg, fmt.Errorf("%s=%s is not a duration such as 15s", key, s)
			}
		}
	}
	cfg.Mtdparts = q.Get("mtdparts")
	cfg.Prompt = q.Get("prompt")
	if spec := q.Get("images"); spec != "" {
		if cfg.Images, err = ParseImages(spec); err != nil {
			return cfg, err
		}
	}
	if spec := q.Get("faults"); spec != "" {
		faults, err := ParseFaults(spec)
		if err != nil {
			return cfg, err // it names the fault
		}
		cfg.Faults = &faults
	}
	// Flash behind controllers: sf=FILE, nand=FILE (nandbad=OFF,OFF...), mmc=FILE.
	for _, kind := range []string{"sf", "nand", "mmc"} {
		if path := q.Get(kind); path != "" {
			dev, err := FlashFromFile(kind, path, q.Get(kind+"bad"))
			if err != nil {
				return cfg, err
			}
			cfg.Flash = append(cfg.Flash, dev)
		}
	}
	return cfg, nil
}

var paramNames = []string{"image", "base", "baud", "order", "layout", "bits", "bootdelay", "crc32", "bootm", "lacks", "compiler", "console", "exports", "prompt",
	"images", "sf", "nand", "nandbad", "mmc", "mtdparts", "faults", "linux", "watchdog", "poweron"}

// ParseURL reads sim:DIALECT?KEY=VALUE&... (the settings of FromParams).
func ParseURL(name string) (Config, error) {
	u, err := url.Parse(name)
	if err != nil || u.Scheme+":" != URLScheme {
		return Config{}, fmt.Errorf("bad simulator port %q: write sim:DIALECT?image=FILE", name)
	}
	cfg, err := FromParams(u.Opaque, u.Query())
	if err != nil {
		return cfg, fmt.Errorf("bad simulator port %q: %w", name, err)
	}
	return cfg, nil
}

// OpenURL powers on the board a sim: port names, on an in-process pipe
// whose host side runs at hostBaud.
func OpenURL(name string, hostBaud int) (*PipePort, error) {
	cfg, err := ParseURL(name)
	if err != nil {
		return nil, err
	}
	p, err := Pipe(cfg)
	if err != nil {
		return nil, err
	}
	p.SetBaudRate(hostBaud)
	return p, nil
}
