// Package cfe is Broadcom's Common Firmware Environment, as a profile.
package cfe
