// Package capture turns a console log saved by a terminal program
// (picocom, minicom, screen, PuTTY) into the bytes its dump lines show:
// terminal noise removed, every line checked as in a live dump, lines that
// cover the same range compared, and what no good line covers reported as
// exact gaps.
package capture
