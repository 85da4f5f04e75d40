// Package terminal shows a console's output as a terminal would: the
// escape sequences a line editor or a firmware's text console sends
// (colours, cursor moves, cursor save and restore, erases, title strings)
// are applied or dropped, and backspaces and carriage returns overwrite
// what they move back over. Prompts, echoes and output lines are matched
// against what it shows, never against the raw bytes.
//
// It works a line at a time, on the bytes between two line feeds: a
// bootloader's console is read line by line, and no firmware bootdump
// reads moves the cursor to another line within what it prints for one
// line of output. A row given with a column (CSI row;col H) keeps only
// the column.
package terminal
