//go:build race

package index

// raceEnabled: the race detector makes sync.Pool drop items at random.
const raceEnabled = true
