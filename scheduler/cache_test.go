package scheduler

import (
	"container/list"
	"fmt"
	"math/rand"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/rotate"
)

const vecBytes = 512

// policy is the cache interface the eviction policies are compared through.
type policy interface {
	get(k key) ([]byte, bool)
	add(k key, data []byte)
}

// lru is a plain byte-budgeted LRU, the policy S3-FIFO is measured against.
type lru struct {
	budget, bytes int64
	order         *list.List // front = most recent
	items         map[key]*list.Element
}

type lruItem struct {
	k    key
	data []byte
}

func newLRU(budget int64) *lru {
	return &lru{budget: budget, order: list.New(), items: make(map[key]*list.Element)}
}

func (c *lru) get(k key) ([]byte, bool) {
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruItem).data, true
}

func (c *lru) add(k key, data []byte) {
	if _, ok := c.items[k]; ok {
		return
	}
	size := int64(len(data)) + entryOverhead
	for c.bytes+size > c.budget && c.order.Len() > 0 {
		old := c.order.Remove(c.order.Back()).(*lruItem)
		delete(c.items, old.k)
		c.bytes -= int64(len(old.data)) + entryOverhead
	}
	c.items[k] = c.order.PushFront(&lruItem{k, data})
	c.bytes += size
}

// access gets k through c, adding it on a miss, and reports a hit.
func access(c policy, k key) bool {
	if _, ok := c.get(k); ok {
		return true
	}
	c.add(k, make([]byte, vecBytes))
	return false
}

// workload is a node's mix: queries drawn from a Zipf law (s = 1.1) over
// filters, each reading the vectors of its 3 bits in the last 16 sections;
// every tenth query instead reads a long history range of a random filter
// once, 1000 sections of 3 bits, which no later query asks again.
func workload(queries int, visit func(k key)) {
	rng := rand.New(rand.NewSource(1))
	zipf := rand.NewZipf(rng, 1.1, 1, 999)
	const head = 100_000
	for q := range queries {
		if q%10 == 9 {
			bit := uint(rng.Intn(2048))
			for s := uint64(0); s < 1000; s++ {
				for b := range uint(3) {
					visit(key{(bit + b*683) % 2048, 2*head + uint64(q)*1000 + s}) // never asked again
				}
			}
			continue
		}
		f := uint(zipf.Uint64())
		for s := uint64(head - 16); s < head; s++ {
			for b := range uint(3) {
				visit(key{(f*7 + b*683) % 2048, s})
			}
		}
	}
}

// hotHitRatio runs the workload and returns the hit ratio of the recent-range
// queries (the full-history reads cannot hit).
func hotHitRatio(c policy, queries int) float64 {
	var hits, hot int
	workload(queries, func(k key) {
		hit := access(c, k)
		if k.section < 100_000 {
			hot++
			if hit {
				hits++
			}
		}
	})
	return float64(hits) / float64(hot)
}

// One full-history query must not flush the hot set: a hot set that fits
// the budget, read a few times, survives a scan of 50 times the budget where
// LRU loses all of it.
func TestCacheScanResistant(t *testing.T) {
	const hot = 2000
	budget := int64(2 * hot * (vecBytes + entryOverhead))
	for _, p := range []struct {
		name string
		c    policy
		want float64
	}{{"S3-FIFO", newCache(budget, vecBytes, nil), 0.9}, {"LRU", newLRU(budget), 0}} {
		for range 3 {
			for k := range hot {
				access(p.c, key{uint(k % 2048), uint64(k / 2048)})
			}
		}
		for k := range 100 * hot {
			access(p.c, key{uint(k % 2048), 1000 + uint64(k/2048)})
		}
		hits := 0
		for k := range hot {
			if _, ok := p.c.get(key{uint(k % 2048), uint64(k / 2048)}); ok {
				hits++
			}
		}
		ratio := float64(hits) / hot
		t.Logf("%s keeps %.3f of the hot set", p.name, ratio)
		if p.want > 0 && ratio < p.want {
			t.Errorf("%s keeps %.3f of the hot set after a scan, want >= %.2f", p.name, ratio, p.want)
		}
		if p.want == 0 && ratio != 0 {
			t.Errorf("LRU keeps %.3f: the scan is too short to test anything", ratio)
		}
	}
}

// The budget holds after every insertion, and the queues account for exactly
// the entries mapped.
func TestCacheBudget(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	budget := int64(300 * (vecBytes + entryOverhead))
	c := newCache(budget, vecBytes, nil)
	steps := 200_000
	if testing.Short() {
		steps = 50_000
	}
	for i := range steps {
		k := key{uint(rng.Intn(50)), uint64(rng.Intn(40))}
		if i%3 == 0 {
			k.section += uint64(i) // a scan of fresh keys
		}
		access(c, k)
		if c.bytes() > budget {
			t.Fatalf("step %d: %d bytes, budget %d", i, c.bytes(), budget)
		}
	}
	var queued int64
	for _, q := range []*fifo[*entry]{&c.small, &c.main} {
		for _, e := range q.items[q.head:] {
			if c.lookup(e.key) != e {
				t.Fatalf("queued entry %v not mapped", e.key)
			}
			queued += e.bytes()
		}
	}
	if queued != c.bytes() || int64(c.count)*(vecBytes+entryOverhead) != queued {
		t.Fatalf("queues hold %d bytes, counted %d, %d entries", queued, c.bytes(), c.count)
	}
	if big := make([]byte, budget); true {
		c.add(key{9999, 0}, big)
		if c.lookup(key{9999, 0}) != nil || c.bytes() > budget {
			t.Fatal("a vector above the budget was cached")
		}
	}
}

// BenchmarkCachePolicy reports the hot hit ratio of the workload for S3-FIFO
// and LRU at three budgets (in vectors).
func BenchmarkCachePolicy(b *testing.B) {
	for _, vectors := range []int64{5_000, 20_000, 50_000} {
		budget := vectors * (vecBytes + entryOverhead)
		for _, p := range []struct {
			name string
			new  func() policy
		}{{"s3fifo", func() policy { return newCache(budget, vecBytes, nil) }}, {"lru", func() policy { return newLRU(budget) }}} {
			b.Run(fmt.Sprintf("policy=%s/vectors=%d", p.name, vectors), func(b *testing.B) {
				var ratio float64
				for range b.N {
					ratio = hotHitRatio(p.new(), 1000)
				}
				b.ReportMetric(ratio, "hothits")
			})
		}
	}
}

// realVectors returns the 2048 vectors of a 4096-block section of real blooms
// (testdata: Görli, about 20% of bloom bits set; mainnet today is denser).
func realVectors(tb testing.TB) [][]byte {
	section, err := blooms.Section(4096)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := rotate.NewGenerator(4096)
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.AddBlooms(0, section); err != nil {
		tb.Fatal(err)
	}
	vecs := make([][]byte, 2048)
	for i := range vecs {
		if vecs[i], err = g.Bitset(uint(i)); err != nil {
			tb.Fatal(err)
		}
	}
	return vecs
}

// BenchmarkCachedVector measures what keeping vectors compressed would cost
// and save: a hit's cost (copy of the raw vector, or DecompressInto) and the
// bytes kept per vector, on real blooms.
func BenchmarkCachedVector(b *testing.B) {
	vecs := realVectors(b)
	compressed := make([][]byte, len(vecs))
	var raw, packed int
	for i, v := range vecs {
		compressed[i] = bitops.CompressBytes(v)
		raw += len(v)
		packed += len(compressed[i])
	}
	dst := make([]byte, vecBytes)
	b.Run("form=raw", func(b *testing.B) {
		b.SetBytes(vecBytes)
		for i := range b.N {
			copy(dst, vecs[i%len(vecs)])
		}
		b.ReportMetric(float64(raw)/float64(len(vecs)), "B/vector")
	})
	b.Run("form=compressed", func(b *testing.B) {
		b.SetBytes(vecBytes)
		for i := range b.N {
			if err := bitops.DecompressInto(dst, compressed[i%len(compressed)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(packed)/float64(len(vecs)), "B/vector")
	})
}
