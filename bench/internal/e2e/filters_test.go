package e2e

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// The sparse filter matches exactly the planted blocks of the benchmark chain
// (256 sections), at most 20, while each of its clauses alone is in at least 1%
// of the blocks.
func TestSparseFilter(t *testing.T) {
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := SparseFilter(all)
	if len(f.Clauses) != 2 || len(f.Clauses[0]) != 1 || len(f.Clauses[1]) != 1 ||
		len(f.Clauses[0][0]) != 20 || len(f.Clauses[1][0]) != 32 {
		t.Fatalf("sparse filter %x: want one address AND one topic", f.Clauses)
	}
	addr, topic := ClauseBits(f.Clauses[0][0]), ClauseBits(f.Clauses[1][0])
	const blocks = 256 * SectionSize
	var both, planted, addrOnly, topicOnly int
	for n := range uint64(blocks) {
		b := bloom(all, 0, n)
		a, tp := bloomHas(b, addr), bloomHas(b, topic)
		if a && tp {
			both++
			if !Planted(n) {
				t.Fatalf("block %d matches the sparse filter but is not planted", n)
			}
		}
		if Planted(n) {
			planted++
		}
		if a {
			addrOnly++
		}
		if tp {
			topicOnly++
		}
	}
	t.Logf("sparse filter on %d blocks: %d matches (%d planted); address alone %d, topic alone %d", blocks, both, planted, addrOnly, topicOnly)
	if both != planted || both == 0 || both > 20 {
		t.Fatalf("%d matches, %d planted: want the planted ones, 1 to 20", both, planted)
	}
	if addrOnly < blocks/100 || topicOnly < blocks/100 {
		t.Fatalf("address alone in %d blocks, topic alone in %d: want each in at least 1%%", addrOnly, topicOnly)
	}
}
