package index

import (
	"fmt"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// checkSectionSize fails for a section size the index cannot have. A size must
// be a positive multiple of 8 (vectors are sectionSize/8 bytes) and at most
// matcher.MaxSectionSize, the bound the Generator and the Matcher share, which
// keeps every size in a 32-bit int and a Live's memory bounded.
func checkSectionSize(sectionSize uint64) error {
	if sectionSize == 0 || sectionSize%8 != 0 || sectionSize > matcher.MaxSectionSize {
		return fmt.Errorf("index: section size %d is not a positive multiple of 8 up to %d: %w",
			sectionSize, uint64(matcher.MaxSectionSize), matcher.ErrSectionSize)
	}
	return nil
}
