package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// e2eTestSections is the chain length of the end-to-end tests: enough for
// section boundaries, runs of sections and the last section. The first section
// has all-zero blooms (e2eEmpty), the others the real ones.
func e2eTestSections() uint64 {
	if testing.Short() {
		return 3
	}
	return 4
}

const e2eEmpty = 1

// TestE2EIndexWriter checks that our index writer, run by a go-ethereum
// ChainIndexer, writes the bytes go-ethereum's BloomIndexer writes as a node runs
// it, for the same headers; and that driving go-ethereum's BloomIndexer directly
// (as the benchmarks' chain builder does) writes them too.
func TestE2EIndexWriter(t *testing.T) {
	n := e2eTestSections()
	geth, err := e2e.Build(e2e.Options{Sections: n, EmptySections: e2eEmpty, Headers: true, Indexer: e2e.GethChainIndexer})
	if err != nil {
		t.Fatal(err)
	}
	defer geth.Close()
	want := e2eIndex(t, geth.DB)
	if got := uint64(len(want)); got != n*2048 {
		t.Fatalf("go-ethereum's ChainIndexer wrote %d bloom-bits keys, want %d", got, n*2048)
	}
	var empty, sparse int
	for _, v := range want {
		switch {
		case len(v) == 0:
			empty++
		case len(v) < e2e.SectionSize/8:
			sparse++
		}
	}
	t.Logf("%d sections: %d vectors: %d all zero (empty values), %d sparse-encoded, %d stored raw",
		n, len(want), empty, sparse, len(want)-empty-sparse)

	steps, err := e2e.Build(e2e.Options{Sections: n, EmptySections: e2eEmpty, Indexer: e2e.GethSteps})
	if err != nil {
		t.Fatal(err)
	}
	defer steps.Close()
	e2eSameIndex(t, "go-ethereum's BloomIndexer steps", e2eIndex(t, steps.DB), want)

	for _, impl := range bitops.Implementations() {
		t.Run("impl="+impl, func(t *testing.T) {
			restore, err := cpu.Set(impl)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			for _, indexer := range []e2e.Indexer{e2e.OurChainIndexer, e2e.OurSteps} {
				ours, err := e2e.Build(e2e.Options{Sections: n, EmptySections: e2eEmpty, Headers: indexer == e2e.OurChainIndexer, Indexer: indexer})
				if err != nil {
					t.Fatal(err)
				}
				e2eSameIndex(t, fmt.Sprintf("our BloomIndexer (indexer %d)", indexer), e2eIndex(t, ours.DB), want)
				if err := ours.Close(); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// e2eIndex reads every bloom-bits key and value of db.
func e2eIndex(t *testing.T, db ethdb.Database) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	it := db.NewIterator([]byte("B"), nil)
	defer it.Release()
	for it.Next() {
		out[string(it.Key())] = bytes.Clone(it.Value())
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return out
}

func e2eSameIndex(t *testing.T, who string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s wrote %d bloom-bits keys, go-ethereum %d", who, len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok || !bytes.Equal(g, w) {
			if bad++; bad <= 3 {
				t.Errorf("%s: key %x: value %x (present %v), go-ethereum %x", who, k, e2eShort(g), ok, e2eShort(w))
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d values differ in all", who, bad)
	}
}

func e2eShort(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

// TestE2EQueries runs the same log queries through go-ethereum's Matcher served
// as a node serves it, our Matcher on the same servers, our Scan over
// index.Reader (a Snapshot per query, and the Reader itself), our Matcher on
// matcher.ServeRetrievals over the Reader (the drop-in path) and go-ethereum's
// Matcher on ServeRetrievals, on a chain indexed by go-ethereum's ChainIndexer:
// the block lists must be identical.
func TestE2EQueries(t *testing.T) {
	n := e2eTestSections()
	chain, err := e2e.Build(e2e.Options{Sections: n, EmptySections: e2eEmpty, Headers: true, Indexer: e2e.GethChainIndexer})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	src, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	filters := e2e.Filters(all)
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 4 {
		filters = append(filters, e2e.Filter{Name: fmt.Sprintf("random%d", i), Clauses: e2eRandomFilter(rng, 1+i*3, i%3)})
	}
	last := n*e2e.SectionSize - 1
	ranges := []struct {
		name       string
		begin, end uint64
	}{
		{"full", 0, last},
		{"lastsection", last + 1 - e2e.SectionSize, last},
		{"unaligned", 1234, 2*e2e.SectionSize + 99},
		{"block", e2e.SectionSize + 5, e2e.SectionSize + 5},
	}
	ctx := context.Background()
	for _, f := range filters {
		for _, r := range ranges {
			want, err := chain.GethQuery(ctx, f.Clauses, r.begin, r.end, nil)
			if err != nil {
				t.Fatalf("%s/%s: go-ethereum: %v", f.Name, r.name, err)
			}
			if r.name == "full" {
				t.Logf("filter %s: %d matching blocks of %d", f.Name, len(want), last+1)
			}
			if f.Name == "sparse" {
				e2eSameBlocks(t, "go-ethereum's sparse/"+r.name+" against the planted blocks", want, nil, e2ePlanted(r.begin, r.end))
			}
			for _, impl := range bitops.Implementations() {
				restore, err := cpu.Set(impl)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("filter=%s/range=%s", f.Name, r.name)
				got, err := chain.OurMultiplexQuery(ctx, f.Clauses, r.begin, r.end, nil)
				e2eSameBlocks(t, fmt.Sprintf("impl=%s/api=multiplex/%s", impl, name), got, err, want)
				got, err = e2e.OurScanQuery(ctx, src.Snapshot(), f.Clauses, r.begin, r.end, nil)
				e2eSameBlocks(t, fmt.Sprintf("impl=%s/api=scan/%s", impl, name), got, err, want)
				got, err = e2e.OurScanQuery(ctx, src, f.Clauses, r.begin, r.end, nil)
				e2eSameBlocks(t, fmt.Sprintf("impl=%s/api=scan-reader/%s", impl, name), got, err, want)
				got, err = chain.DropInQuery(ctx, src, f.Clauses, r.begin, r.end, nil)
				e2eSameBlocks(t, fmt.Sprintf("impl=%s/api=dropin/%s", impl, name), got, err, want)
				got, err = chain.GethOnOurServerQuery(ctx, src, f.Clauses, r.begin, r.end, nil)
				e2eSameBlocks(t, fmt.Sprintf("impl=%s/go-ethereum's Matcher on ServeRetrievals/%s", impl, name), got, err, want)
				restore()
			}
		}
	}
}

// e2ePlanted returns the blocks of begin..end where the chain holds the sparse
// filter's bits.
func e2ePlanted(begin, end uint64) []uint64 {
	var out []uint64
	for n := begin; n <= end; n++ {
		if e2e.Planted(n) {
			out = append(out, n)
		}
	}
	return out
}

func e2eSameBlocks(t *testing.T, what string, got []uint64, err error, want []uint64) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
	} else if !slices.Equal(got, want) {
		t.Errorf("%s: %d blocks, go-ethereum %d (first difference at %d)", what, len(got), len(want), e2eFirstDiff(got, want))
	}
}

func e2eFirstDiff(a, b []uint64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestE2EReader checks index.Reader over Pebble against the database's odd
// cases: keys of a section head no longer canonical are skipped, a missing vector
// is an error naming it (as go-ethereum's servers fail the session), and sections
// beyond the index are refused.
func TestE2EReader(t *testing.T) {
	chain, err := e2e.Build(e2e.Options{Sections: 2, Indexer: e2e.GethSteps})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	src, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := e2e.Filters(all)[1]
	ctx := context.Background()
	end := 2*e2e.SectionSize - 1
	want, err := chain.GethQuery(ctx, f.Clauses, 0, uint64(end), nil)
	if err != nil {
		t.Fatal(err)
	}

	// Stale keys: every bit of both sections under other head hashes that sort
	// before and after the canonical one, holding all-ones vectors.
	stale := bytes.Repeat([]byte{0xff}, e2e.SectionSize/8)
	batch := chain.DB.NewBatch()
	for bit := range uint(2048) {
		for s := range uint64(2) {
			for _, h := range [][32]byte{{}, {0: 0xff, 31: 0xff}} {
				rawdb.WriteBloomBits(batch, bit, s, h, stale)
			}
		}
	}
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
	got, err := e2e.OurScanQuery(ctx, src, f.Clauses, 0, uint64(end), nil)
	e2eSameBlocks(t, "scan with stale keys", got, err, want)

	dst := [][]byte{make([]byte, e2e.SectionSize/8)}
	if err := src.Bitsets(ctx, 7, 2, dst); err == nil {
		t.Error("Bitsets beyond the indexed sections: no error")
	}
	if err := src.Bitsets(ctx, 2048, 0, dst); err == nil {
		t.Error("Bitsets of bit 2048: no error")
	}

	// A missing vector fails both go-ethereum's session and our Scan.
	bit := e2e.ClauseBits(f.Clauses[0][0])[0]
	if err := chain.DB.Delete(index.BloomBitsKey(bit, 1, chain.Heads[1])); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.GethQuery(ctx, f.Clauses, 0, uint64(end), nil); err == nil {
		t.Error("go-ethereum's query with a missing vector: no error")
	}
	_, err = e2e.OurScanQuery(ctx, src, f.Clauses, 0, uint64(end), nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("bit %d, section 1", bit)) {
		t.Errorf("scan with a missing vector: error %v, want one naming bit %d, section 1", err, bit)
	}
	if _, err := chain.OurMultiplexQuery(ctx, f.Clauses, 0, uint64(end), nil); err == nil {
		t.Error("our Multiplex query with a missing vector: no error")
	}
	// The retrieval server answers with task.Error, which ends either Matcher's
	// session with it.
	_, err = chain.DropInQuery(ctx, src, f.Clauses, 0, uint64(end), nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("bit %d, section 1", bit)) {
		t.Errorf("drop-in query with a missing vector: error %v, want one naming bit %d, section 1", err, bit)
	}
	if _, err := chain.GethOnOurServerQuery(ctx, src, f.Clauses, 0, uint64(end), nil); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("bit %d, section 1", bit)) {
		t.Errorf("go-ethereum's query on ServeRetrievals with a missing vector: error %v, want one naming bit %d, section 1", err, bit)
	}
	// Sections before the missing one still scan.
	got, err = e2e.OurScanQuery(ctx, src, f.Clauses, 0, e2e.SectionSize-1, nil)
	e2eSameBlocks(t, "scan of the section before the missing vector", got, err, e2eUpTo(want, e2e.SectionSize-1))
}

func e2eUpTo(blocks []uint64, last uint64) []uint64 {
	i, _ := slices.BinarySearch(blocks, last+1)
	return blocks[:i]
}

// e2eRandomFilter returns nAddr random addresses and nTopics topic positions of
// one random topic each.
func e2eRandomFilter(rng *rand.Rand, nAddr, nTopics int) [][][]byte {
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	addrs := make([][]byte, nAddr)
	for i := range addrs {
		addrs[i] = random(20)
	}
	filter := [][][]byte{addrs}
	for range nTopics {
		filter = append(filter, [][]byte{random(32)})
	}
	return filter
}
