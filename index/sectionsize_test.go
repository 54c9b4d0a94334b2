package index

import (
	"errors"
	"testing"

	"github.com/bloomsimd/bloomsimd/scheduler"
)

// Every constructor refuses the section sizes the scheduler refuses, with an error
// wrapping scheduler.ErrSectionSize, and takes the largest one it accepts.
func TestSectionSizeBound(t *testing.T) {
	for _, size := range []uint64{0, 4, 12, scheduler.MaxSectionSize + 8, 1 << 32, 1 << 62} {
		if _, err := NewReader(newMemDB(), size); !errors.Is(err, scheduler.ErrSectionSize) {
			t.Errorf("NewReader(%d): err %v", size, err)
		}
		if _, err := NewWriter(size); !errors.Is(err, scheduler.ErrSectionSize) {
			t.Errorf("NewWriter(%d): err %v", size, err)
		}
		if _, err := NewLive(size); !errors.Is(err, scheduler.ErrSectionSize) {
			t.Errorf("NewLive(%d): err %v", size, err)
		}
	}
	if _, err := NewReader(newMemDB(), scheduler.MaxSectionSize); err != nil {
		t.Errorf("NewReader(MaxSectionSize): %v", err)
	}
	if _, err := NewLive(scheduler.MaxSectionSize); err != nil {
		t.Errorf("NewLive(MaxSectionSize): %v", err)
	}
}
