package scheduler

import "context"

// Retrieval is a request for the vectors of one bloom bit in some sections, and
// the reply carrying them, exactly as go-ethereum's core/bloombits.Retrieval
// (matcher.Retrieval is this type): Bitsets[i] answers Sections[i], a
// zero-length bitset means "not available, ask again", and a non-nil Error
// ends the session.
type Retrieval struct {
	Bit      uint
	Sections []uint64
	Bitsets  [][]byte

	Context context.Context
	Error   error

	// changing[i] is set by ServeRetrievals when Sections[i] may still change
	// (see ChangingSource). nil when no section may change.
	changing []bool
}

// Changing reports whether ServeRetrievals found that the vector answering
// Sections[i] may still change (see ChangingSource): it serves the asking
// session only and must not be cached for later ones.
func (r *Retrieval) Changing(i int) bool {
	return i >= 0 && i < len(r.changing) && r.changing[i]
}

// markChanging records that the vector of Sections[i] may still change.
func (r *Retrieval) markChanging(i int) {
	if r.changing == nil {
		r.changing = make([]bool, len(r.Sections))
	}
	r.changing[i] = true
}
