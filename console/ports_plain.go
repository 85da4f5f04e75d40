//go:build darwin && !cgo

package console

import "go.bug.st/serial"

// listPorts names the ports only: the USB details need cgo on macOS.
func listPorts() ([]PortInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	var out []PortInfo
	for _, n := range names {
		out = append(out, PortInfo{Name: n})
	}
	return out, nil
}
