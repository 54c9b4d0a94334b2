// Package scheduler is the vector supply between a node's stored indexes and
// its queries: the Source contract, the section geometry and its one check, the
// one checked read of a Source, the retrieval requests of go-ethereum's
// MatcherSession and the server loop that answers them.
//
// A node creates one Scheduler over its Source and hands it to ServeRetrievals
// and to matcher's Scan in place of the raw Source: concurrent queries then
// share reads and a bounded cache of vectors.
package scheduler
