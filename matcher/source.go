package matcher

import "github.com/bloomsimd/bloomsimd/scheduler"

// Source gives Scan and ServeRetrievals the vectors of bloom bits, section by
// section: scheduler.Source, whose contract Scan enforces (scheduler.Read).
type Source = scheduler.Source

// ChangingSource is a Source some of whose sections may still change after it
// served them: scheduler.ChangingSource. Scan keeps no vector past its call, so
// it needs nothing of this; a Matcher does not cache their vectors.
type ChangingSource = scheduler.ChangingSource
