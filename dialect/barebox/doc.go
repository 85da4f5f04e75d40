// Package barebox is barebox, as a profile.
package barebox
