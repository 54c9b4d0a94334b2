package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// TestLiveMatchesGethGenerator: the vectors of index.Live, fed go-ethereum types
// unconverted, equal those of go-ethereum's bloombits.Generator for a whole
// section and, for the tip's section, for the blooms up to the tip followed by
// empty ones; also after a reorg across the section boundary.
func TestLiveMatchesGethGenerator(t *testing.T) {
	const size = 4096
	real, err := blooms.Section(2*size + 1000)
	if err != nil {
		t.Fatal(err)
	}
	live, err := index.NewLive(size)
	if err != nil {
		t.Fatal(err)
	}
	chain := make([]types.Bloom, 0, len(real))
	hashes := []common.Hash{}
	add := func(n uint64, bloom types.Bloom, salt byte) {
		hash := common.Hash{byte(n >> 16), byte(n >> 8), byte(n), salt}
		var parent common.Hash
		if n > 0 {
			parent = hashes[n-1]
		}
		if err := live.Add(n, hash, parent, bloom); err != nil {
			t.Fatal(err)
		}
		chain, hashes = append(chain[:n], bloom), append(hashes[:n], hash)
	}
	compare := func(section uint64) {
		t.Helper()
		gen, err := bloombits.NewGenerator(size)
		if err != nil {
			t.Fatal(err)
		}
		for j := uint64(0); j < size; j++ {
			var b types.Bloom
			if n := section*size + j; n < uint64(len(chain)) {
				b = chain[n]
			}
			if err := gen.AddBloom(uint(j), b); err != nil {
				t.Fatal(err)
			}
		}
		sn := live.Snapshot()
		dst := [][]byte{make([]byte, size/8)}
		for bit := uint(0); bit < 2048; bit++ {
			want, err := gen.Bitset(bit)
			if err != nil {
				t.Fatal(err)
			}
			if err := sn.Bitsets(context.Background(), bit, section, dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst[0], want) {
				t.Fatalf("section %d, bit %d differs from go-ethereum's Generator (tip %d)", section, bit, len(chain)-1)
			}
		}
	}
	for n := range uint64(size + 700) {
		add(n, types.Bloom(real[n]), 0)
	}
	compare(0)
	compare(1)
	// A reorg to 30 blocks before the section boundary, on different blooms.
	for n := uint64(size - 30); n < size+10; n++ {
		add(n, types.Bloom(real[n+3]), 1)
	}
	compare(0)
	compare(1)
}
