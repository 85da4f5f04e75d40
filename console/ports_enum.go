//go:build !darwin || cgo

package console

import (
	"strings"

	"go.bug.st/serial/enumerator"
)

func listPorts() ([]PortInfo, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	var out []PortInfo
	for _, p := range list {
		info := PortInfo{Name: p.Name, Product: p.Product, Serial: p.SerialNumber}
		if p.IsUSB {
			info.USB = strings.ToLower(p.VID + ":" + p.PID)
		}
		out = append(out, info)
	}
	return out, nil
}
