// Package backup is bootdump's front door as a library, one call per job
// on a device: Connect (or Open, on a port already open) finds the
// bootloader and opens a session on it; Dump reads a range of memory or
// flash into a file or any io.WriterAt, verified chunk by chunk, with the
// fastest reader the board allows (PrepareDump checks the output first);
// Verify compares an image with the device by its checksums; PlanRestore
// and its Run write an image back. The command line is a thin layer over
// these calls.
package backup
