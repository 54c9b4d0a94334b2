package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// benchBlooms returns n blooms: the real ones (about 20% of bits set) tiled,
// or random ones with each bit set with probability density/100.
func benchBlooms(tb testing.TB, n, density int) [][256]byte {
	if density == 20 {
		out, err := blooms.Section(n)
		if err != nil {
			tb.Fatal(err)
		}
		return out
	}
	rng := rand.New(rand.NewPCG(uint64(density), 3))
	out := make([][256]byte, n)
	for i := range out {
		for bit := range uint(BloomBits) {
			if rng.IntN(100) < density {
				out[i][255-bit/8] |= 1 << (bit % 8)
			}
		}
	}
	return out
}

func blockHash(n uint64) [32]byte {
	var h [32]byte
	binary.BigEndian.PutUint64(h[:], n+1)
	return h
}

// BenchmarkLiveAdd adds blocks one by one at sectionSize 4096 (crossing into
// new sections and dropping old ones as a node does), timing each Add: ns/op is
// the mean, p50-ns and p99-ns the median and 99th percentile of single Adds.
func BenchmarkLiveAdd(b *testing.B) {
	const size = 4096
	for _, density := range []int{20, 46} {
		b.Run(fmt.Sprintf("density=%d", density), func(b *testing.B) {
			bl := benchBlooms(b, 2*size, density)
			l, err := NewLive(size)
			if err != nil {
				b.Fatal(err)
			}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range uint64(b.N) {
				start := time.Now()
				if err := l.Add(i, blockHash(i), blockHash(i-1), bl[i%(2*size)]); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				if i%size == 300 && i > size {
					l.DropThrough(i/size - 1)
				}
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
			b.ReportMetric(float64(times[len(times)-1].Nanoseconds()), "max-ns")
			var sum time.Duration
			for _, d := range times[len(times)-len(times)/100:] {
				sum += d
			}
			b.ReportMetric(float64(sum.Nanoseconds())/float64(b.N), "top1%-ns/op")
		})
	}
}

// BenchmarkLiveBitsets reads one vector of the tip's section (a rotated part and
// the hot chunk) from a snapshot.
func BenchmarkLiveBitsets(b *testing.B) {
	const size = 4096
	bl := benchBlooms(b, size, 20)
	l, _ := NewLive(size)
	for i := range uint64(size + 1000) {
		if err := l.Add(i, blockHash(i), blockHash(i-1), bl[i%size]); err != nil {
			b.Fatal(err)
		}
	}
	sn := l.Snapshot()
	dst := [][]byte{make([]byte, size/8)}
	ctx := context.Background()
	b.SetBytes(size / 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := sn.Bitsets(ctx, uint(i)%BloomBits, 1, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLiveAddAllocs: in a section, Add allocates nothing.
func TestLiveAddAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	const size = 4096
	bl := benchBlooms(t, size, 20)
	l, _ := NewLive(size)
	n := uint64(0)
	add := func() {
		if err := l.Add(n, blockHash(n), blockHash(n-1), bl[n%size]); err != nil {
			t.Fatal(err)
		}
		n++
	}
	for range size + 1 { // warm up; the first block of a section allocates it
		add()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range size - 1 {
		add()
	}
	runtime.ReadMemStats(&after)
	// Mallocs also counts the runtime's own allocations, and rotate.Transpose
	// takes its scratch rows from a sync.Pool, which needs a fresh one after
	// garbage collections: allow a few. An allocation per block would show
	// thousands, one per chunk of 64 blocks at least 63.
	if got := after.Mallocs - before.Mallocs; got > 8 {
		t.Errorf("%d allocations for %d blocks in one section", got, size-1)
	}
}
