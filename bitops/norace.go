//go:build !race

package bitops

const raceEnabled = false

func raceRead([]byte)  {}
func raceWrite([]byte) {}
