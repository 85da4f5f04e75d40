// Package e2e holds bootdump's end-to-end tests: the command line against
// the simulator over real pseudo-terminals, against real U-Boot under QEMU,
// and killed and resumed as a separate process.
package e2e
