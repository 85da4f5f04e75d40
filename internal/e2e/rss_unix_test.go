//go:build unix

package e2e

import (
	"os"
	"syscall"
)

// peakRSS is a finished process's peak resident memory in MiB.
func peakRSS(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}
