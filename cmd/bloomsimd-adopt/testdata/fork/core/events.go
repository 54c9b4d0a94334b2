package core

import "example.com/fork/core/types"

// ChainHeadEvent is posted when a new head block is inserted.
type ChainHeadEvent struct{ Block *types.Block }
