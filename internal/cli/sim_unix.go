//go:build unix

package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bootdump/bootdump/sim"
)

// powerCycleOnSignal power-cycles board at each SIGUSR1 until ctx ends:
// the relay a test or a user's --power-cycle command works.
func powerCycleOnSignal(ctx context.Context, board *sim.Board) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	defer signal.Stop(sig)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			board.PowerCycle()
		}
	}
}

func powerCycleHint(pid int) string { return fmt.Sprintf("kill -USR1 %d", pid) }
