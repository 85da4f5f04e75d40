package console

import "sort"

// PortInfo is a serial port the system knows.
type PortInfo struct {
	Name    string `json:"name"`
	USB     string `json:"usb,omitempty"` // VID:PID
	Product string `json:"product,omitempty"`
	Serial  string `json:"serial_number,omitempty"`
	// InUse names the program that holds the port, where a lock file says.
	InUse string `json:"in_use,omitempty"`
}

// ListPorts lists the system's serial ports, USB adapters with their
// vendor and product IDs, marking those another program holds.
func ListPorts() ([]PortInfo, error) {
	ports, err := listPorts()
	if err != nil {
		return nil, err
	}
	for i := range ports {
		ports[i].InUse = holder(ports[i].Name)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i].Name < ports[j].Name })
	return ports, nil
}
