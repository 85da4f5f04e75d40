package cli

// The command line's tests see every bootloader bootdump knows, as
// cmd/bootdump does.
import _ "github.com/bootdump/bootdump/dialect/all"
