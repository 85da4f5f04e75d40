// Package telnet is a serial port across the network: the telnet protocol
// (RFC 854, with binary transmission, RFC 856, and suppress-go-ahead, RFC
// 858) that serial servers such as ser2net speak in telnet mode, and its
// COM-PORT-OPTION (RFC 2217), by which the client sets the remote port's
// baud rate, data size, parity, stop bits and flow control.
package telnet

// Telnet's command bytes (RFC 854) and the options bootdump negotiates.
const (
	iac  = 255 // interpret as command; doubled, a data byte 0xFF
	dont = 254
	do   = 253
	wont = 252
	will = 251
	sb   = 250 // subnegotiation begins
	se   = 240 // subnegotiation ends

	optBinary   = 0
	optEcho     = 1
	optSGA      = 3
	optComPort  = 44
	maxSubneg   = 64 // longer subnegotiations are not RFC 2217's: cut
	serverReply = 100
)

// event is what the server said besides data: an option verb (do, dont,
// will, wont) with its option, or a subnegotiation's bytes (the option
// first).
type event struct {
	verb   byte
	option byte
	sub    []byte // for verb sb: the option's bytes, unescaped
}

// decoder splits the server's stream into data and events. It keeps its
// state between calls: a command may be cut anywhere by TCP.
type decoder struct {
	state   int
	verb    byte
	sub     []byte
	subIAC  bool // inside a subnegotiation, the last byte was IAC
	cr      bool // the last data byte was CR (text mode drops a NUL after it)
	textNUL bool // the server sends text (no binary): CR NUL is CR
}

const (
	stData = iota
	stIAC
	stVerb // after IAC and a verb: the option byte
	stSub  // inside IAC SB ... IAC SE
)

// feed decodes in, appending the data to data and returning it with the
// events that were completed.
func (d *decoder) feed(in, data []byte) ([]byte, []event) {
	var events []event
	for _, c := range in {
		switch d.state {
		case stData:
			if c == iac {
				d.state = stIAC
				continue
			}
			if d.textNUL && d.cr && c == 0 {
				d.cr = false
				continue
			}
			d.cr = c == '\r'
			data = append(data, c)
		case stIAC:
			switch c {
			case iac:
				data = append(data, iac)
				d.cr = false
				d.state = stData
			case do, dont, will, wont:
				d.verb, d.state = c, stVerb
			case sb:
				d.sub, d.subIAC, d.state = d.sub[:0], false, stSub
			default: // NOP, data mark, go ahead, break...: nothing for a serial line
				d.state = stData
			}
		case stVerb:
			events = append(events, event{verb: d.verb, option: c})
			d.state = stData
		case stSub:
			switch {
			case d.subIAC && c == se:
				if len(d.sub) > 0 {
					events = append(events, event{verb: sb, option: d.sub[0], sub: append([]byte(nil), d.sub[1:]...)})
				}
				d.state = stData
			case d.subIAC && c != iac:
				// IAC and anything but IAC or SE: a broken subnegotiation;
				// RFC 854 has the command take effect.
				d.state = stIAC
				d.feedCommand(c)
			case c == iac && !d.subIAC:
				d.subIAC = true
				continue
			default:
				if len(d.sub) < maxSubneg {
					d.sub = append(d.sub, c)
				}
			}
			d.subIAC = false
		}
	}
	return data, events
}

// feedCommand handles c as the byte after an IAC that ended a broken
// subnegotiation.
func (d *decoder) feedCommand(c byte) {
	switch c {
	case do, dont, will, wont:
		d.verb, d.state = c, stVerb
	default:
		d.state = stData
	}
}

// escape doubles every IAC in p (data bytes 0xFF), and in text mode sends
// a CR as CR NUL (RFC 854), appending to dst.
func escape(dst, p []byte, text bool) []byte {
	for _, c := range p {
		dst = append(dst, c)
		switch {
		case c == iac:
			dst = append(dst, iac)
		case c == '\r' && text:
			dst = append(dst, 0)
		}
	}
	return dst
}
