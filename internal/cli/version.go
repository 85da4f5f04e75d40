package cli

import (
	"fmt"
	"runtime/debug"
)

// Version is the release's version, stamped by scripts/release
// (-ldflags -X); without it the module version from the build info is used
// (a go install of a tag has it).
var Version = ""

// versionString is what bootdump --version prints: the version, and the
// commit it was built from with its date.
func versionString() string {
	v := Version
	info, ok := debug.ReadBuildInfo()
	if v == "" && ok {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if !ok {
		return v
	}
	var rev, when, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", with uncommitted changes"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (commit %.12s, %s%s)", rev, when, modified)
	}
	return v + ", " + info.GoVersion
}
