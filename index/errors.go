package index

import (
	"errors"
	"fmt"
)

// The kinds of Reader errors; an *Error wraps one of them, so that callers can
// tell them apart with errors.Is.
var (
	// ErrNoSection: the section's last block has no canonical hash, so the
	// section is not (yet) part of the canonical chain.
	ErrNoSection = errors.New("no canonical head")
	// ErrNoVector: the store holds no vector of the bit for the section's
	// canonical head (it is not indexed, or was indexed under another head).
	ErrNoVector = errors.New("no bloom-bit vector for the canonical head")
	// ErrCorrupt: a stored value cannot be what go-ethereum writes there. The
	// *Error also wraps the decoding error (a bitops error for a vector).
	ErrCorrupt = errors.New("corrupt value")
)

// Error is a Reader error about one bit of one section.
type Error struct {
	Bit     uint
	Section uint64
	Err     error // wraps ErrNoSection, ErrNoVector, ErrCorrupt or a store error
}

func (e *Error) Error() string {
	return fmt.Sprintf("index: bloom bit %d, section %d: %v", e.Bit, e.Section, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
