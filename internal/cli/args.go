package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// noArgs refuses words that are not flags, in a sentence about bootdump's
// own command line (cobra's says "unknown command").
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usagef("%s takes no argument %q: every setting is a flag (usage: bootdump %s)", cmd.Name(), args[0], cmd.Use)
}

// oneArg wants exactly one word, named what (FILE, CAPTURE).
func oneArg(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef("%s needs %s (usage: bootdump %s)", cmd.Name(), what, cmd.Use)
		case len(args) > 1:
			return usagef("%s takes one %s, not %d (%s): quote a name with spaces (usage: bootdump %s)",
				cmd.Name(), what, len(args), strings.Join(args, " "), cmd.Use)
		}
		return nil
	}
}

// unknownCommand rephrases cobra's complaint about a word that is no
// command of bootdump's, with the command it most likely meant.
func unknownCommand(root *cobra.Command, args []string) error {
	var names []string
	best, dist := "", 3 // two edits at most
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
			if d := editDistance(args[0], c.Name()); d < dist {
				best, dist = c.Name(), d
			}
		}
	}
	if best != "" {
		return usagef("%q is not a bootdump command: did you mean %s? (bootdump --help says what each does)", args[0], best)
	}
	return usagef("%q is not a bootdump command: %s (bootdump --help says what each does)", args[0], strings.Join(names, ", "))
}

// flagHint adds to pflag's "unknown flag: --adr" the flag of c nearest in
// spelling, if one is near.
func flagHint(c *cobra.Command, err error) error {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		if strings.HasPrefix(err.Error(), "unknown shorthand flag") {
			return fmt.Errorf("%w (bootdump %s --help lists its flags)", err, c.Name())
		}
		return err
	}
	best, dist := "", 3 // two edits at most
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(typed, f.Name); d < dist && !f.Hidden {
			best, dist = f.Name, d
		}
	})
	if best == "" {
		return fmt.Errorf("%w (bootdump %s --help lists its flags)", err, c.Name())
	}
	return fmt.Errorf("%w: did you mean --%s? (bootdump %s --help lists its flags)", err, best, c.Name())
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
