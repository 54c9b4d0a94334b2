//go:build !linux

package guardpage

import "errors"

func mapRegions(regions, size int) (*Mem, error) {
	return nil, errors.New("guardpage: guard pages are only mapped on Linux")
}

// Free unmaps the memory.
func (m *Mem) Free() {}
