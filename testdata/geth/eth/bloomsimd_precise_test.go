// Added to go-ethereum's eth package by bloomsimd's scripts/gethcopy.sh: the
// precise log index that bloomsimd-adopt -precise generates
// (eth/bloomsimd_precise.go) keeps its key across a restart.

package eth

import (
	"testing"

	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/params"
)

// TestBloomSIMDPreciseRestart: the first start creates the index's geometry
// record with a random key; a restart on the same database reads the same
// geometry back; another database gets another key.
func TestBloomSIMDPreciseRestart(t *testing.T) {
	db := rawdb.NewMemoryDatabase()
	p, err := newPreciseSIMD(db, params.BloomBitsBlocks)
	if err != nil {
		t.Fatal(err)
	}
	g := p.reader.Geometry()
	p.stop()
	if g.Key == ([16]byte{}) {
		t.Fatal("zero key")
	}
	q, err := newPreciseSIMD(db, params.BloomBitsBlocks)
	if err != nil {
		t.Fatal(err)
	}
	defer q.stop()
	if q.reader.Geometry() != g {
		t.Fatalf("after a restart: geometry %+v, was %+v", q.reader.Geometry(), g)
	}
	other, err := newPreciseSIMD(rawdb.NewMemoryDatabase(), params.BloomBitsBlocks)
	if err != nil {
		t.Fatal(err)
	}
	defer other.stop()
	if other.reader.Geometry().Key == g.Key {
		t.Fatal("two databases got the same key")
	}
}
