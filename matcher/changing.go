package matcher

// ChangingSource is a Source some of whose sections may still change after it
// served them: the live head index, whose newest sections grow block by block and
// are rewritten by reorgs. A Matcher keeps delivered vectors for its later
// sessions (as go-ethereum's does); vectors that ServeRetrievals reads from a
// section that Changing reports are used by the asking session only, so that a
// reused Matcher never matches against an old copy. Scan keeps no vector past its
// call, so it needs nothing of this.
type ChangingSource interface {
	Source
	// Changing reports whether the vectors of section may still change.
	Changing(section uint64) bool
}
