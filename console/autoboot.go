package console

import (
	"bytes"
	"regexp"
	"strings"
)

// recentLines is how far above the countdown a menu's entries may be.
const recentLines = 16

// stopKeys returns the keys to send now to stop the countdown or answer
// the menu the device shows, or nil. A menu entry is answered once; a
// countdown that goes on gets the next of its keys at each call.
func (c *Console) stopKeys() []byte {
	last := lastLine(c.buf)
	if c.knownPromptAtEnd(last) {
		return nil // stopped: the prompt follows the countdown's text
	}
	start := linesBack(c.buf, recentLines)
	for _, a := range c.opt.Autoboot {
		if !a.Menu {
			continue
		}
		for off := start; off < len(c.buf); {
			end := bytes.IndexByte(c.buf[off:], '\n')
			if end < 0 {
				end = len(c.buf) - off
			}
			line := string(c.buf[off : off+end])
			pos := c.received - int64(len(c.buf)-off)
			if containsFold(line, a.Marker) && pos > c.menuKeyed {
				if c.opt.StopKeys != nil {
					c.menuKeyed = pos
					return c.opt.StopKeys
				}
				if key, ok := menuChoice(line); ok {
					c.menuKeyed = pos
					return []byte{key}
				}
			}
			off += end + 1
		}
	}
	for _, a := range c.opt.Autoboot {
		if a.Menu || !containsFold(last, a.Marker) {
			continue
		}
		keys := a.Keys
		if named, ok := namedKey(last); ok && c.opt.StopKeys == nil {
			keys = []byte{named}
		}
		tries := append([][]byte{keys}, a.Others...)
		k := tries[c.attempts%len(tries)]
		c.attempts++
		return k
	}
	return nil
}

// countdownShown: the last line shows a countdown (a board that reset
// and counts down to autoboot again).
func (c *Console) countdownShown() bool {
	last := lastLine(c.buf)
	if c.knownPromptAtEnd(last) {
		return false
	}
	for _, a := range c.opt.Autoboot {
		if !a.Menu && containsFold(last, a.Marker) {
			return true
		}
	}
	return false
}

// menuEntry: line is the entry of a boot menu that leads to the command
// line ("4: Entr boot command line interface."); a dump line, even
// garbled, starts with its address and is never one.
func (c *Console) menuEntry(line []byte) bool {
	for _, a := range c.opt.Autoboot {
		if a.Menu && containsFold(string(line), a.Marker) {
			_, ok := menuChoice(string(line))
			return ok
		}
	}
	return false
}

// linesBack is where the last n lines of b start (the unfinished one
// counts).
func linesBack(b []byte, n int) int {
	start := len(b)
	for ; n > 0 && start > 0; n-- {
		start = bytes.LastIndexByte(b[:start-1], '\n') + 1
	}
	return start
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// knownPromptAtEnd: line ends with a known prompt, as when a bootloader
// prints its prompt right after its countdown's text, on the same line.
func (c *Console) knownPromptAtEnd(line string) bool {
	for _, p := range c.opt.Prompts {
		if strings.HasSuffix(line, p) {
			return true
		}
	}
	return false
}

// menuEntry reads the choice a menu line offers: "4: Entr boot command
// line interface.", "[5] Enter boot command line", "b) command line".
var menuEntry = regexp.MustCompile(`^\s*[\[(]?([0-9A-Za-z])\s*[\]):.]`)

func menuChoice(line string) (byte, bool) {
	m := menuEntry.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	return m[1][0], true
}

// keyName finds the key a countdown names: Press 'x', hit "x", press
// <x>, Press ESC, SPACE, ENTER, Ctrl-C, CTRL+U.
var keyName = regexp.MustCompile(`(?i)\b(?:press|hit|type)\s+(?:the\s+)?(?:['"<]([^'"<>])['">]|(esc|escape|space|enter|ctrl[-+ ]?[a-z])\b)`)

func namedKey(line string) (byte, bool) {
	m := keyName.FindStringSubmatch(line)
	switch {
	case m == nil:
		return 0, false
	case m[1] != "":
		return m[1][0], true
	}
	switch word := strings.ToLower(m[2]); {
	case word == "esc" || word == "escape":
		return esc, true
	case word == "space":
		return ' ', true
	case word == "enter":
		return '\r', true
	default: // ctrl-X
		return word[len(word)-1] - 'a' + 1, true
	}
}

// linuxMarks are texts that only a running Linux prints on its console:
// its shells, its login, the console procd and init wait on.
var linuxMarks = []string{"Please press Enter to activate this console", "BusyBox v", "-ash: ", "-sh: ", "-bash: ", "login: "}

// linuxPrompt matches a shell's prompt: root@OpenWrt:/# , user@host:~$ ,
// / # , ~ # , a bare # or $, and login: (not Password:, which bootloaders ask too).
var linuxPrompt = regexp.MustCompile(`^(?:[\w.-]+@[\w.-]+(?::\S*)?\s?[#$]|[/~]\S*\s[#$]|[#$]|\S+ login:|login:)\s?$`)

// runningLinux returns the line that shows the board running Linux
// rather than a bootloader, or "".
func (c *Console) runningLinux(tail string) string {
	if linuxPrompt.MatchString(tail) {
		return tail
	}
	recent := c.buf[linesBack(c.buf, 3):]
	for _, m := range linuxMarks {
		if i := bytes.LastIndex(recent, []byte(m)); i >= 0 {
			start := bytes.LastIndexByte(recent[:i], '\n') + 1
			end := bytes.IndexByte(recent[i:], '\n')
			if end < 0 {
				end = len(recent) - i
			}
			return strings.Trim(string(recent[start:i+end]), "\r ")
		}
	}
	return ""
}
