package scheduler

import (
	"context"
	"errors"
	"fmt"

	"github.com/bloomsimd/bloomsimd/internal/section"
)

var (
	// ErrVectorLength: a vector of the wrong length, from a Source or in a
	// retrieval reply. A vector must hold exactly sectionSize/8 bytes.
	ErrVectorLength = errors.New("scheduler: vector of the wrong length")

	// ErrSourcePanic: a Source's Bitsets (or a ChangingSource's Changing)
	// panicked. The error wraps the panic value when that is an error.
	ErrSourcePanic = errors.New("scheduler: Source panicked")
)

// Read is the one checked read of a Source: it has src fill dst with the
// vectors of bloom bit bit for the sections from first on and enforces the
// Source contract. On return without error every dst[i] holds vectorBytes
// bytes; it may be the Source's own slice, which the caller must copy before
// the Source may reuse it. A panic of src, an error of src or a vector of
// another length is an error naming the bit and the section(s), wrapping
// ErrSourcePanic, the Source's error or ErrVectorLength.
//
// An error that Read made, returned by src (a Scheduler, whose reads are
// Reads), is passed on as it is: a query over a Scheduler gets the error a
// query of the Source itself gets, not one wrapped twice.
func Read(ctx context.Context, src Source, bit uint, first uint64, dst [][]byte, vectorBytes int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &readError{panicError(p, fmt.Sprintf("reading bit %d, %s", bit, section.Text(first, len(dst))))}
		}
	}()
	if err := src.Bitsets(ctx, bit, first, dst); err != nil {
		if _, ok := err.(*readError); ok {
			return err
		}
		return &readError{fmt.Errorf("scheduler: Source reading bit %d, %s: %w", bit, section.Text(first, len(dst)), err)}
	}
	for i, v := range dst {
		if len(v) != vectorBytes {
			return &readError{fmt.Errorf("%w: Source gave bit %d, section %d %d bytes, want %d",
				ErrVectorLength, bit, first+uint64(i), len(v), vectorBytes)}
		}
	}
	return nil
}

// readError is an error of Read, which names the bit and the sections read.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// changing calls cs.Changing(section), turning a panic into an error.
func changing(cs ChangingSource, section uint64) (ch bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p, fmt.Sprintf("in Changing(%d)", section))
		}
	}()
	return cs.Changing(section), nil
}

// panicError is the error of a Source that panicked with p while doing what.
func panicError(p any, what string) error {
	if e, ok := p.(error); ok {
		return fmt.Errorf("%w %s: %w", ErrSourcePanic, what, e)
	}
	return fmt.Errorf("%w %s: %v", ErrSourcePanic, what, p)
}
