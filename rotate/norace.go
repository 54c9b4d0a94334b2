//go:build !race

package rotate

func raceTranspose8(*[BloomBitLength]byte, *[8][BloomByteLength]byte) {}
func raceScatter([]byte, int, *rows, int)                             {}
