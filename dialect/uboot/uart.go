package uboot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bootdump/bootdump/binreader"
	"github.com/bootdump/bootdump/console"
)

// Where U-Boot's table of rates refuses one, the binary reader moves the
// console's UART itself: U-Boot's device tree names the UART (/chosen's
// stdout-path), the reader reports the divisor U-Boot set for the current
// rate, and sets one scaled from it; U-Boot's own putc and getc then run
// at the new rate, none the wiser.

// consoleUART is the console's UART as U-Boot's device tree tells it.
type consoleUART struct {
	path  string // its node
	base  uint64 // its registers: the node's unit address
	kind  int    // binreader.UART16550 or UARTPL011
	shift int    // a 16550's reg-shift
	words bool   // a 16550's reg-io-width is 4
	// clock is its clock-frequency, or that of the node its clocks'
	// first phandle names (found only when needed); clockRef that phandle
	clock, clockRef uint64
}

// params is the UART as ModeUART takes it, with divisor d to set.
func (u consoleUART) params(jt uint64, d uint32) binreader.Params {
	size := uint64(u.kind) | uint64(u.shift)<<8
	if u.words {
		size |= binreader.UARTWords
	}
	return binreader.Params{Mode: binreader.ModeUART, JumpTable: jt, Addr: u.base, Size: size, Block: uint64(d)}
}

// findUART reads /chosen's stdout-path and the node it names from the
// device tree U-Boot runs on (fdtcontroladdr).
func (s *Session) findUART(ctx context.Context) (consoleUART, error) {
	var u consoleUART
	vars, err := printenv(ctx, s.con, "fdtcontroladdr")
	if err != nil {
		return u, err
	}
	fdt := vars["fdtcontroladdr"]
	if fdt == "" {
		return s.socUART(ctx)
	}
	lines, err := s.con.Output(ctx, "fdt addr "+fdt)
	if err != nil {
		return u, err
	}
	if len(lines) == 0 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "Working FDT set to") {
		return u, fmt.Errorf("fdt addr %s: %q", fdt, lines)
	}
	chosen, err := s.fdtNode(ctx, "/chosen")
	if err != nil {
		return u, err
	}
	path, _, _ := strings.Cut(firstString(chosen["stdout-path"]), ":") // "serial0:115200n8"
	if path == "" {
		return u, errors.New("the device tree's /chosen names no stdout-path")
	}
	if !strings.HasPrefix(path, "/") {
		aliases, err := s.fdtNode(ctx, "/aliases")
		if err != nil {
			return u, err
		}
		if path = firstString(aliases[path]); path == "" {
			return u, fmt.Errorf("the device tree's stdout-path is an alias /aliases does not hold")
		}
	}
	if err := s.identityBuses(ctx, path); err != nil {
		return u, err
	}
	node, err := s.fdtNode(ctx, path)
	if err != nil {
		return u, err
	}
	u.path = path
	_, unit, _ := strings.Cut(path[strings.LastIndex(path, "/")+1:], "@")
	if u.base, err = strconv.ParseUint(unit, 16, 64); err != nil {
		return u, fmt.Errorf("the UART %s has no unit address", path)
	}
	u.clock, u.clockRef = firstCell(node["clock-frequency"]), firstCell(node["clocks"])
	compatible := node["compatible"]
	switch {
	case strings.Contains(compatible, `"arm,pl011"`):
		u.kind = binreader.UARTPL011
	case strings.Contains(compatible, "16550") || strings.Contains(compatible, `"snps,dw-apb-uart"`):
		u.kind = binreader.UART16550
		u.shift = int(firstCell(node["reg-shift"]))
		u.words = firstCell(node["reg-io-width"]) == 4
	default:
		return u, fmt.Errorf("the UART %s is %s: neither a 16550 nor a PL011", path, compatible)
	}
	return u, nil
}

// identityBuses checks that the buses the node at path sits on map their
// addresses one to one onto the CPU's (an empty ranges), so that its unit
// address is where the CPU reaches its registers. Malta's UART sits on an
// ISA bus whose I/O ports only the board's code places: writing to its
// unit address (0x3f8) would fault.
func (s *Session) identityBuses(ctx context.Context, path string) error {
	for bus := path[:strings.LastIndex(path, "/")]; bus != ""; bus = bus[:strings.LastIndex(bus, "/")] {
		props, err := s.fdtNode(ctx, bus)
		if err != nil {
			return err
		}
		ranges, ok := props["ranges"]
		switch {
		case !ok:
			return fmt.Errorf("the UART %s sits on %s, whose addresses the CPU does not reach (it has no ranges)", path, bus)
		case ranges != "":
			return fmt.Errorf("the UART %s sits on %s, which maps its addresses elsewhere (ranges = %s): bootdump does not translate them", path, bus, ranges)
		}
	}
	return nil
}

// fdtNode prints a node's properties (fdt list): name to value as U-Boot
// prints it ("a", "b" or <0x00000001 ...>; "" for one with no value).
func (s *Session) fdtNode(ctx context.Context, path string) (map[string]string, error) {
	lines, err := s.con.Output(ctx, "fdt list "+path)
	if err != nil {
		return nil, err
	}
	props := map[string]string{}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if name, value, ok := fdtProperty(l); ok {
			props[name] = value
		} else if strings.HasPrefix(t, "libfdt") || strings.Contains(t, "not found") {
			return nil, fmt.Errorf("fdt list %s: %s", path, t)
		} else if name, ok := strings.CutSuffix(t, ";"); ok && name != "}" && !strings.ContainsAny(name, " {}") {
			props[name] = "" // a property with no value, as `ranges;`
		}
	}
	return props, nil
}

// clockOf finds the clock-frequency of the node whose phandle is ref, in
// all of the device tree (fdt print /).
func (s *Session) clockOf(ctx context.Context, ref uint64) (uint64, error) {
	lines, err := s.con.Output(ctx, "fdt print /")
	if err != nil {
		return 0, err
	}
	var nodes []map[string]string // the nodes open at this line
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasSuffix(l, "{"):
			nodes = append(nodes, map[string]string{})
		case l == "};" && len(nodes) > 0:
			n := nodes[len(nodes)-1]
			nodes = nodes[:len(nodes)-1]
			if n["phandle"] != "" && firstCell(n["phandle"]) == ref && n["clock-frequency"] != "" {
				return firstCell(n["clock-frequency"]), nil
			}
		case len(nodes) > 0:
			if name, value, ok := fdtProperty(l); ok {
				nodes[len(nodes)-1][name] = value
			}
		}
	}
	return 0, fmt.Errorf("no node of the device tree with phandle %#x gives a clock-frequency", ref)
}

// fdtProperty reads a property line as fdt list and print show it:
// `name = value;`.
func fdtProperty(line string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(strings.TrimSpace(line), " = ")
	return name, strings.TrimSuffix(value, ";"), ok
}

func firstString(v string) string {
	first, _, _ := strings.Cut(v, `", "`)
	return strings.Trim(first, `"`)
}

func firstCell(v string) uint64 {
	f := strings.Fields(strings.Trim(v, "<>"))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimPrefix(f[0], "0x"), 16, 64)
	return n
}

// uartReady is how long the reader's first "BDBR" may take to show at
// the new rate (it sends it at once), and uartGiveUp how long the reader
// may poll for an answer before it sets the old divisor again (32 rounds
// of tstc polls: about a second on a fast CPU, 30 s on a slow one).
const (
	uartReady  = time.Second
	uartGiveUp = time.Minute
)

// moveUART sets the UART's divisor d with the reader and follows at rate
// to: the host answers the reader's "BDBR" at the new rate, and U-Boot's
// prompt must come back there. If the host sees no "BDBR", the reader
// sets the old divisor again once it gives up, and the host goes back to
// rate from.
func (r *BinaryReader) moveUART(ctx context.Context, u consoleUART, d uint32, from, to int) error {
	if err := r.writeParams(ctx, u.params(r.jt, d)); err != nil {
		return err
	}
	started, err := r.con.Start(ctx, r.run, func(line []byte) bool { return ran([]string{string(line)}) })
	if err != nil {
		return err
	}
	if !started {
		return fmt.Errorf("%w: %s did not run the reader", ErrNoBinaryReader, r.run)
	}
	if _, err := r.con.SetBaudRate(to); err != nil {
		return err
	}
	line := &console.TransferLine{Ctx: ctx, Con: r.con, Timeout: console.ErrTimeout}
	if err := waitFor(ctx, line, binreader.UARTReady, uartReady); err != nil {
		// The reader goes back to the old divisor by itself.
		if _, serr := r.con.SetBaudRate(from); serr != nil {
			return serr
		}
		wctx, cancel := context.WithTimeout(ctx, uartGiveUp)
		defer cancel()
		werr := r.con.WaitPrompt(wctx)
		return fmt.Errorf("the reader's %s did not come at %d baud (%v); the UART is back at %d (%v)", binreader.UARTReady, to, err, from, werr)
	}
	if err := r.con.Write(ctx, []byte{binreader.UARTConfirm}); err != nil {
		return err
	}
	return r.con.Finish(ctx, r.run, nil)
}

// waitFor reads line until mark has come, within limit.
func waitFor(ctx context.Context, line *console.TransferLine, mark string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var seen []byte
	for !strings.HasSuffix(string(seen), mark) {
		left := time.Until(deadline)
		if left <= 0 {
			return console.ErrTimeout
		}
		b, err := line.Next(ctx, left)
		if err != nil {
			return err
		}
		if seen = append(seen, b); len(seen) > 64 {
			seen = seen[len(seen)-len(mark):]
		}
	}
	return nil
}
