//go:build !unix

package cli

import (
	"context"

	"github.com/bootdump/bootdump/sim"
)

// powerCycleOnSignal waits for ctx: this system has no SIGUSR1.
func powerCycleOnSignal(ctx context.Context, _ *sim.Board) { <-ctx.Done() }

func powerCycleHint(int) string { return "nothing" }
