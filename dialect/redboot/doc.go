// Package redboot is eCos's RedBoot, as a profile.
package redboot
