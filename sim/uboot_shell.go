package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The shell of the simulated U-Boot: its line editor, Ctrl-C and the
// dispatcher that runs a command line.

// sleep passes time on the board (a stall), unless it is switched off.
func (b *uboot) sleep(d time.Duration) {
	select {
	case <-b.ctx.Done():
	case <-time.After(d):
	}
}

// poll takes one waiting input byte, if any, without blocking.
func (b *uboot) poll() (byte, bool) {
	select {
	case c, ok := <-b.in:
		return c, ok
	default:
		return 0, false
	}
}

// ctrlc reports whether Ctrl-C was typed, discarding any other input, as
// U-Boot's ctrlc() does between the lines of a long command.
func (b *uboot) ctrlc() bool {
	if b.ctx.Err() != nil {
		return true // switched off
	}
	for {
		c, ok := b.poll()
		if !ok {
			return false
		}
		if c == ctrlC {
			return true
		}
	}
}

// readLine is U-Boot's line editor: echo, backspace, Ctrl-C, CR or LF.
func (b *uboot) readLine(ctx context.Context) (string, bool, error) {
	var buf []byte
	for {
		c, _, err := b.uart.key(ctx, 0)
		if err != nil {
			return "", false, err
		}
		switch {
		case c == '\r' || c == '\n':
			b.out.puts("\n")
			return string(buf), false, nil
		case c == ctrlC:
			return "", true, nil
		case c == '\b' || c == 0x7f:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				b.out.puts("\b \b")
			}
		case c >= 0x20 && c != 0x7f:
			// Anything else is taken and echoed, noise included.
			if len(buf) < 1024 {
				buf = append(buf, c)
				b.out.putc(c)
			}
		}
		b.out.flush()
	}
}

// exec runs one command line; ok says whether it may be repeated. A
// command that resets the board panics with errReset, caught by run.
// helpOn is help with command names, as common/command.c's _do_help
// answers it (1.1.x's alike): each command's usage, or that it is
// unknown.
func (b *uboot) helpOn(names []string) bool {
	ok := true
	for _, name := range names {
		if !b.hasCommand(name) {
			b.out.puts(fmt.Sprintf("Unknown command '%s' - try 'help' without arguments for list of all known commands\n\n", name))
			ok = false
			continue
		}
		if u, found := usage[name]; found {
			b.out.puts(u)
		} else {
			b.out.puts(name + " - " + name + "\n\nUsage:\n" + name + " ...\n")
		}
	}
	return ok
}

// hasCommand: the build has the command exec runs by that name.
func (b *uboot) hasCommand(name string) bool {
	if b.fork != nil && slices.Contains(b.fork.lacks, name) || slices.Contains(b.cfg.Lacks, name) {
		return false
	}
	switch name {
	case "md", "mw", "cp", "cmp", "printenv", "setenv", "bdinfo", "version", "help", "?", "mtd", "flinfo", "protect", "erase",
		"loady", "loadx", "loads", "go", "reset":
		return true
	case "crc32":
		return !b.cfg.NoCRC32
	case "sf", "nand", "mmc":
		return b.device(name, 0) != nil
	case "bootm":
		return b.fork == nil && !b.cfg.NoBootm
	case "fdt":
		return b.fork == nil
	}
	return false
}

func (b *uboot) exec(ctx context.Context, line string, repeat bool) (ok bool, err error) {
	if cmds := strings.Split(line, ";"); len(cmds) > 1 {
		// The parser (1.1.x's run_command, 2023.01's hush) runs the
		// commands a line separates with ';' in turn; the line may be
		// repeated only if each may.
		ok = true
		for _, cmd := range cmds {
			one, err := b.exec(ctx, cmd, repeat)
			if err != nil {
				return false, err
			}
			ok = ok && one
		}
		return ok, nil
	}
	args := strings.Fields(line)
	if len(args) == 0 {
		return false, nil
	}
	name, size := args[0], 0
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name, size = name[:i], b.dataSize(name[i:])
	} else {
		size = 4
	}
	if b.fork != nil && slices.Contains(b.fork.lacks, name) || slices.Contains(b.cfg.Lacks, name) {
		name = "" // not in this build
	}
	switch name {
	case "md":
		return b.md(args, size, repeat), nil
	case "mw":
		return b.mw(args, size), nil
	case "cp":
		return b.cp(args, size), nil
	case "cmp":
		return b.cmp(args, size), nil
	case "crc32":
		if !b.cfg.NoCRC32 {
			return b.crc32(args), nil
		}
	case "printenv":
		return b.printenv(args), nil
	case "setenv":
		if len(args) == 3 && args[1] == "baudrate" {
			return false, b.setBaudrate(ctx, args[2])
		}
		b.setenv(args)
		return false, nil // setenv is not repeatable
	case "bdinfo":
		if b.fork != nil {
			b.fork.bdinfo(b)
			return true, nil
		}
		b.bdinfo()
		return true, nil
	case "version":
		if b.fork != nil {
			b.out.puts("\n" + b.version() + "\n") // 1.1.x names no compiler
			return true, nil
		}
		b.out.puts(b.version() + "\n\n")
		// The compiler that built it, as it names its CPU and byte order:
		// a big-endian board's is PowerPC's (Debian builds qemu-ppce500).
		switch {
		case b.cfg.NoCompiler:
		case b.cfg.Bits64 && b.cfg.BigEndian:
			b.out.puts("powerpc64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\n")
		case b.cfg.Bits64:
			b.out.puts("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\n")
		case b.cfg.BigEndian:
			b.out.puts("powerpc-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\n")
		default:
			b.out.puts("arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0\n")
		}
		if !b.cfg.NoCompiler {
			b.out.puts("GNU ld (GNU Binutils for Debian) 2.40\n")
		}
		return true, nil
	case "help", "?":
		if len(args) > 1 {
			return b.helpOn(args[1:]), nil
		}
		if b.fork != nil {
			b.out.puts(b.fork.help)
			return true, nil
		}
		b.help()
		return true, nil
	case "mtd":
		b.mtd(args)
		return false, nil
	case "sf":
		if b.device("sf", 0) != nil {
			b.sf(args)
			return false, nil
		}
	case "nand":
		if b.device("nand", 0) != nil {
			b.nand(args)
			return false, nil
		}
	case "mmc":
		if b.device("mmc", 0) != nil {
			b.mmc(args)
			return false, nil
		}
	case "flinfo":
		b.flinfo()
		return true, nil
	case "protect":
		b.protect(args)
		return false, nil
	case "erase":
		b.erase(args)
		return false, nil
	case "loady", "loadx":
		return false, b.load(ctx, args)
	case "loads":
		return false, b.loads(ctx, args)
	case "bootm":
		if b.fork == nil && !b.cfg.NoBootm {
			b.bootm(args)
			return false, nil
		}
	case "go":
		return b.goCommand(args), nil
	case "fdt":
		if b.fork == nil {
			b.fdt(args)
			return false, nil
		}
	case "reset":
		b.out.puts("resetting ...\n")
		b.out.flush()
		panic(errReset{})
	}
	b.out.puts(fmt.Sprintf("Unknown command '%s' - try 'help'\n", args[0]))
	return false, nil
}
