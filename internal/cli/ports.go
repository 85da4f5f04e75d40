package cli

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/telnet"
)

func (a *app) portsCommand() *cobra.Command {
	var asJSON bool
	var host, tcpPorts string
	cmd := &cobra.Command{
		Use:   "ports [--host HOST]",
		Short: "List the serial ports: USB adapters with their vendor and product IDs, and which are in use",
		Long: `ports lists the serial ports the system has (COM3 on Windows, /dev/cu.* on
macOS, /dev/ttyUSB0 and /dev/ttyACM0 on Linux), with the USB vendor and
product ID, product name and serial number of USB adapters, and the program
that holds a port, where its lock file says.

With --host, it lists a serial server's ports instead (ser2net, a console
server): each TCP port of --tcp that answers, what it speaks (rfc2217: bootdump
sets the rate; telnet: the server does; tcp: raw) and the rate RFC 2217 tells.
It connects to each: a server set to kick its old user drops whoever holds
that port now.`,
		Example: `  bootdump ports
  bootdump ports --host raspberrypi.local --tcp 2000-2010`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host != "" {
				return a.remotePorts(cmd.Context(), host, tcpPorts, asJSON)
			}
			if cmd.Flags().Changed("tcp") {
				return usagef("--tcp lists a serial server's ports: give --host too")
			}
			ports, err := console.ListPorts()
			if err != nil {
				return fmt.Errorf("list the serial ports: %w", err)
			}
			if asJSON {
				enc := newJSON(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(orEmpty(ports))
			}
			if len(ports) == 0 {
				fmt.Fprintln(a.stdout, "no serial ports found: plug in the USB serial adapter (and check dmesg on Linux)")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "PORT\tUSB\tPRODUCT\tSERIAL\tIN USE BY")
			for _, p := range ports {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.USB, p.Product, p.Serial, p.InUse)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON on stdout")
	cmd.Flags().StringVar(&host, "host", "", "a serial server (ser2net, a console server) whose ports to list")
	cmd.Flags().StringVar(&tcpPorts, "tcp", "2000-2020", "with --host: the TCP ports to try, e.g. 2000-2010 or 3001,3002")
	return cmd
}

// remotePorts probes a serial server's TCP ports, a few at a time.
func (a *app) remotePorts(ctx context.Context, host, spec string, asJSON bool) error {
	numbers, err := portRange(spec)
	if err != nil {
		return usageError{err}
	}
	found := make([]*telnet.Found, len(numbers))
	var wg sync.WaitGroup
	limit := make(chan struct{}, 8)
	for i, n := range numbers {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			if f, err := telnet.Probe(ctx, net.JoinHostPort(host, strconv.Itoa(n)), time.Second); err == nil {
				found[i] = &f
			}
		})
	}
	wg.Wait()
	type row struct {
		Port string      `json:"port"`
		Kind telnet.Kind `json:"kind"`
		Baud int         `json:"baud,omitempty"`
	}
	var rows []row
	for _, f := range found {
		if f != nil {
			rows = append(rows, row{string(f.Kind) + "://" + f.Addr, f.Kind, f.Baud})
		}
	}
	if asJSON {
		enc := newJSON(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(orEmpty(rows))
	}
	if len(rows) == 0 {
		return fmt.Errorf("no port of %s answers on TCP %s: check the host and the server's configuration (ser2net: its accepter lines)", host, spec)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "PORT\tSPEAKS\tBAUD")
	for _, r := range rows {
		baud := "set by the server"
		switch {
		case r.Baud > 0:
			baud = strconv.Itoa(r.Baud) + " (bootdump sets it)"
		case r.Kind == telnet.Raw:
			baud = "set by the server (raw TCP)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Port, r.Kind, baud)
	}
	return w.Flush()
}

// portRange reads --tcp: numbers and ranges separated by commas.
func portRange(spec string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			hi = lo
		}
		from, e1 := strconv.Atoi(lo)
		to, e2 := strconv.Atoi(hi)
		if e1 != nil || e2 != nil || from < 1 || to > 65535 || from > to || to-from > 1000 {
			return nil, fmt.Errorf("--tcp %q: give TCP ports (1-65535) and ranges of up to 1000, e.g. 2000-2010 or 3001,3002", spec)
		}
		for n := from; n <= to; n++ {
			out = append(out, n)
		}
	}
	return out, nil
}
