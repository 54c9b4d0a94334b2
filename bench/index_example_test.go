package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// The index writer adapter (bench/internal/e2e/bloomindexer.go) runs as a node
// runs core.NewBloomIndexer: a ChainIndexer started on the chain indexes every
// section, and index.Reader serves the index to Scan. TestE2EIndexWriter checks
// that it writes go-ethereum's bytes, TestE2EQueries that Scan over index.Reader
// returns go-ethereum's blocks.
func Example_bloomIndexer() {
	// A node's database: two sections of headers, not indexed yet.
	chain, err := e2e.Build(e2e.Options{Sections: 2, Headers: true, Indexer: e2e.NoIndex})
	if err != nil {
		panic(err)
	}
	defer chain.Close()
	head := chain.SectionHeaders(1)[e2e.SectionSize-1]

	// In the node: eth/backend.go's
	//   eth.bloomIndexer = core.NewBloomIndexer(chainDb, params.BloomBitsBlocks, params.BloomConfirms)
	// becomes NewBloomIndexer from the copied file (0 confirmations here, so that
	// the head section is indexed too).
	indexer := e2e.NewBloomIndexer(chain.DB, e2e.SectionSize, 0)
	defer indexer.Close()
	indexer.Start(e2e.NewHeadChain(head))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if stored, _, _ := indexer.Sections(); stored == 2 || time.Now().After(deadline) {
			break
		}
	}

	reader, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		panic(err)
	}
	sections, err := reader.Sections()
	fmt.Println("sections indexed:", sections, err)

	all, err := blooms.Load()
	if err != nil {
		panic(err)
	}
	filter := e2e.Filters(all)[1] // one address AND the Transfer topic
	matches, err := e2e.OurScanQuery(context.Background(), reader, filter.Clauses, 0, sections*e2e.SectionSize-1, nil)
	fmt.Println("blocks matching", filter.Name+":", len(matches), err)

	// The same blocks as testing each header's bloom itself.
	var want []uint64
	for s := range sections {
		for _, h := range chain.SectionHeaders(s) {
			if bloomMatches(h.Bloom, filter.Clauses) {
				want = append(want, h.Number.Uint64())
			}
		}
	}
	fmt.Println("same as the headers' blooms:", slices.Equal(matches, want))
	// Output:
	// sections indexed: 2 <nil>
	// blocks matching 1addr1topic: 826 <nil>
	// same as the headers' blooms: true
}

// bloomMatches reports whether bloom holds, for every group of clauses, one of
// them (go-ethereum's types.Bloom.Test).
func bloomMatches(bloom types.Bloom, groups [][][]byte) bool {
	for _, group := range groups {
		if !slices.ContainsFunc(group, bloom.Test) {
			return false
		}
	}
	return true
}
