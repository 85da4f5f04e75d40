package backup_test

// A program using package backup registers the bootloaders it wants:
// dialect/all registers every one bootdump knows.
import _ "github.com/bootdump/bootdump/dialect/all"
