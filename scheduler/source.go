package scheduler

import "context"

// Source supplies the vectors of bloom bits, section by section. It is called
// from many goroutines at once, so it must be safe for concurrent use.
//
// The contract, which Read enforces on every path (Scan, ServeRetrievals and
// the Scheduler):
//   - Bitsets fills dst[i] (a buffer of exactly sectionSize/8 bytes) with the
//     vector of bloom bit `bit` for section first+i, or replaces dst[i] with its
//     own slice of exactly sectionSize/8 bytes. The caller copies a replaced
//     vector into its own buffer at once, so the Source may reuse its slice
//     after Bitsets returns.
//   - Any other length (nil included) is an error wrapping ErrVectorLength that
//     names the bit and the section.
//   - An error is returned wrapped, naming the bit and the sections read; a
//     panic becomes an error wrapping ErrSourcePanic (and the panic value, when
//     it is an error), recovered on the goroutine that called Bitsets.
//   - The Source must not keep dst, nor write to the caller's buffers, after
//     Bitsets returns: they are reused.
type Source interface {
	Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error
}

// ChangingSource is a Source some of whose sections may still change after it
// served them: the live head index, whose newest sections grow block by block and
// are rewritten by reorgs. A Matcher keeps delivered vectors for its later
// sessions (as go-ethereum's does); vectors that ServeRetrievals reads from a
// section that Changing reports are used by the asking session only, and a
// Scheduler never caches them, so that no query matches against an old copy.
type ChangingSource interface {
	Source
	// Changing reports whether the vectors of section may still change.
	Changing(section uint64) bool
}
