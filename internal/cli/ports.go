package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bootdump/bootdump/console"
)

func (a *app) portsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ports",
		Short: "List the serial ports: USB adapters with their vendor and product IDs, and which are in use",
		Long: `ports lists the serial ports the system has (COM3 on Windows, /dev/cu.* on
macOS, /dev/ttyUSB0 and /dev/ttyACM0 on Linux), with the USB vendor and
product ID, product name and serial number of USB adapters, and the program
that holds a port, where its lock file says.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	return cmd
}
