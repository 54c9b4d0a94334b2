package scheduler

import (
	"errors"
	"fmt"

	"github.com/bloomsimd/bloomsimd/internal/section"
)

// MaxSectionSize is the largest section size, in blocks, that the matcher,
// the index and the scheduler accept; rotate's Generator has the same bound.
// It keeps a vector at 128 KiB at most and every size in bytes within an int
// on 32-bit platforms. go-ethereum has no bound and panics in make on huge
// sizes.
const MaxSectionSize = section.MaxSize

// ErrSectionSize: a section size that is zero, not a multiple of 8 or above
// MaxSectionSize. The errors returned wrap it with the size.
var ErrSectionSize = errors.New("scheduler: section size must be a positive multiple of 8, at most MaxSectionSize")

// CheckSectionSize reports a section size no query can work with, wrapping
// ErrSectionSize; nil for a positive multiple of 8 up to MaxSectionSize.
func CheckSectionSize(size uint64) error {
	if size == 0 || size%8 != 0 || size > MaxSectionSize {
		return fmt.Errorf("%w: got %d", ErrSectionSize, size)
	}
	return nil
}
