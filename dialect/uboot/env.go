package uboot

import (
	"context"
	"slices"
	"strings"

	"github.com/bootdump/bootdump/console"
)

// printenv reads the named variables of U-Boot's environment: name to
// value, as printenv prints them (a name=value line each; one the
// environment does not have is missing).
func printenv(ctx context.Context, con *console.Console, names ...string) (map[string]string, error) {
	lines, err := con.Output(ctx, "printenv "+strings.Join(names, " "))
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	for _, l := range lines {
		if name, value, ok := strings.Cut(strings.TrimSpace(l), "="); ok && slices.Contains(names, name) {
			vars[name] = value
		}
	}
	return vars, nil
}
