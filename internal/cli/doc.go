// Package cli is bootdump's command line: it turns flags into library
// calls and errors into one clear sentence and an exit status. No protocol
// logic lives here.
package cli
