package e2e

// The tests run bootdump in-process (cli.Main) as cmd/bootdump does, with
// every bootloader it knows registered.
import _ "github.com/bootdump/bootdump/dialect/all"
