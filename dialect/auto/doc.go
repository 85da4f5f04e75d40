// Package auto tells which bootloader answers on a console: from its
// prompt, its boot banner, or what it answers to "version".
package auto
