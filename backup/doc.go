// Package backup is bootdump's front door as a library: Connect finds the
// bootloader behind a serial line (or any port) and opens a session on it;
// Run reads a prepared dump through it, verified chunk by chunk, and tells
// what the image holds. The command line is a thin layer over these calls.
package backup
