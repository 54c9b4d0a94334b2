package matcher

import (
	"errors"

	"github.com/bloomsimd/bloomsimd/scheduler"
)

// MaxSectionSize is the largest section size, in blocks, that Start and Scan
// accept: scheduler.MaxSectionSize, the bound of the whole query path and of
// the Generator that builds the vectors. go-ethereum has no bound and panics
// in make on huge sizes.
const MaxSectionSize = scheduler.MaxSectionSize

// The errors of this package, for errors.Is. The errors returned wrap them with
// the details (the size, or the bit and section concerned).
var (
	// ErrSectionSize: the Matcher's section size is zero, not a multiple of 8 or
	// above MaxSectionSize. NewMatcher keeps go-ethereum's signature, so Start and
	// Scan report it.
	ErrSectionSize = scheduler.ErrSectionSize

	// ErrVectorLength: a vector of the wrong length, from a Source (Scan) or in
	// a retrieval reply (Multiplex, DeliverSections). A vector must hold
	// exactly sectionSize/8 bytes.
	ErrVectorLength = scheduler.ErrVectorLength

	// ErrSourcePanic: a Source's Bitsets panicked. Scan and ServeRetrievals
	// recover and return it, wrapping the panic value when that is an error.
	ErrSourcePanic = scheduler.ErrSourcePanic

	// ErrNilReply: a retriever answered a Multiplex request with a nil
	// *Retrieval (go-ethereum dereferences it and panics).
	ErrNilReply = errors.New("matcher: nil retrieval reply")
)

var errRunning = errors.New("matcher already running")

// checkSectionSize reports a section size the matcher cannot work with.
func checkSectionSize(size uint64) error { return scheduler.CheckSectionSize(size) }
