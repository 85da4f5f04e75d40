package telnet

import (
	"encoding/binary"
	"fmt"
	"time"
)

// RFC 2217's client-to-server commands (the server answers each with the
// command plus 100) and the values bootdump sends.
const (
	setBaudRate = 1
	setDataSize = 2
	setParity   = 3
	setStopSize = 4
	setControl  = 5
	purgeData   = 12
	parityNone  = 1
	stopOne     = 1
	purgeBoth   = 3 // both of the server's buffers
)

// flowControls are SET-CONTROL's values for the flow control settings.
var flowControls = map[string]byte{"": 1, "none": 1, "xonxoff": 2, "rtscts": 3}

// setting is one SET command with its value and what people call it.
type setting struct {
	what  string
	cmd   byte
	value []byte
}

func baudSetting(baud int) setting {
	return setting{"baud rate", setBaudRate, binary.BigEndian.AppendUint32(nil, uint32(baud))}
}

// set sends one setting and checks the server's answer: a server that
// sets another value than asked (a rate its port does not take) is an
// error.
func (c *Conn) set(s setting) error {
	// Answers left from earlier commands (or notifications) are not this one's.
	for drained := false; !drained; {
		select {
		case <-c.answers:
		default:
			drained = true
		}
	}
	msg := escape([]byte{iac, sb, optComPort, s.cmd}, s.value, false)
	if err := c.send(append(msg, iac, se)); err != nil {
		return fmt.Errorf("set the %s of %s: %w", s.what, c.addr, err)
	}
	deadline := time.After(c.timeout)
	for {
		select {
		case e := <-c.answers:
			if e.sub[0] != s.cmd+serverReply {
				continue // a notification, or a late answer
			}
			got := e.sub[1:]
			if string(got) != string(s.value) {
				return fmt.Errorf("%s set the %s to %s when asked for %s: its port does not take that setting", c.addr, s.what, settingText(s.cmd, got), settingText(s.cmd, s.value))
			}
			return nil
		case <-deadline:
			return fmt.Errorf("%s did not answer the RFC 2217 request to set the %s in %v", c.addr, s.what, c.timeout)
		}
	}
}

func settingText(cmd byte, v []byte) string {
	if cmd == setBaudRate && len(v) == 4 {
		return fmt.Sprintf("%d baud", binary.BigEndian.Uint32(v))
	}
	return fmt.Sprintf("% x", v)
}

// SetBaudRate sets the server's serial port to baud, keeping 8N1 (RFC
// 2217's SET-BAUDRATE); the server's answer must be that rate.
func (c *Conn) SetBaudRate(baud int) error {
	if !c.ComPort() {
		return fmt.Errorf("%s is plain telnet: its rate is set on the server (use rfc2217:// with a server that takes RFC 2217): %w", c.addr, ErrNoComPort)
	}
	return c.set(baudSetting(baud))
}

// Purge drops what the server holds of the device's output and not sent
// yet (PURGE-DATA), as a local port's flush would.
func (c *Conn) Purge() error {
	if !c.ComPort() {
		return ErrNoComPort
	}
	return c.set(setting{"purge", purgeData, []byte{purgeBoth}})
}

// ComPort tells whether the server took RFC 2217.
func (c *Conn) ComPort() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.options.comPortOK
}
