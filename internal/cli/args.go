package cli

import (
	"strings"

	"github.com/spf13/cobra"
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
// command of bootdump's.
func unknownCommand(root *cobra.Command, args []string) error {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return usagef("%q is not a bootdump command: %s (bootdump --help says what each does)", args[0], strings.Join(names, ", "))
}
