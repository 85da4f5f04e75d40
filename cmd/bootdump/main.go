// Command bootdump backs up, verifies and restores the firmware of embedded
// devices through their bootloader's serial console.
package main

import (
	"os"

	_ "github.com/bootdump/bootdump/dialect/all" // every bootloader bootdump knows
	"github.com/bootdump/bootdump/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
