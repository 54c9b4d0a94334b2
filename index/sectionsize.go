package index

import (
	"fmt"

	"github.com/bloomsimd/bloomsimd/scheduler"
)

// checkSectionSize refuses a section size the index cannot have, with the one
// check of the query path (scheduler.CheckSectionSize): the size must be a
// positive multiple of 8 (vectors are sectionSize/8 bytes) and at most
// scheduler.MaxSectionSize, which keeps every size in a 32-bit int and a
// Live's memory bounded. The error wraps scheduler.ErrSectionSize.
func checkSectionSize(sectionSize uint64) error {
	if err := scheduler.CheckSectionSize(sectionSize); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}
