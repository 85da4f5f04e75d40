//go:build !linux

package console

func setFlowControl(path, flow string) error {
	if flow == "" || flow == FlowNone {
		return nil
	}
	return errUnknownFlow
}
