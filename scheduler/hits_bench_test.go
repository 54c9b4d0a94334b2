package scheduler

import (
	"context"
	"math/rand"
	"testing"
)

// BenchmarkSchedulerHits asks a warm Scheduler holding 512 bits x 64
// sections of 512-byte vectors (16 MiB, as the load benchmark's cache) for
// runs of 16 sections of random bits, as Scan does: its maps and entries do
// not fit the CPU's caches, as on a node. One op is one run (16 hits).
func BenchmarkSchedulerHits(b *testing.B) {
	const size, bits, sections, run = 4096, 512, 64, 16
	src := sourceFunc(func(_ context.Context, bit uint, first uint64, dst [][]byte) error {
		for i, d := range dst {
			d[0] = byte(bit + uint(first) + uint(i))
		}
		return nil
	})
	s, err := New(src, size, Config{CacheBytes: 24 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	dst := make([][]byte, sections)
	for i := range dst {
		dst[i] = make([]byte, size/8)
	}
	for bit := range uint(bits) {
		if err := s.Bitsets(ctx, bit, 0, dst); err != nil {
			b.Fatal(err)
		}
	}
	if st := s.Stats(); st.Entries != bits*sections {
		b.Fatalf("%d vectors cached, want %d", st.Entries, bits*sections)
	}
	rng := rand.New(rand.NewSource(1))
	asks := make([][2]uint, 1<<16)
	for i := range asks {
		asks[i] = [2]uint{uint(rng.Intn(bits)), uint(rng.Intn(sections/run) * run)}
	}
	refs := make([][]byte, run)
	b.ResetTimer()
	for i := range b.N {
		a := asks[i%len(asks)]
		if err := s.Shared().Bitsets(ctx, a[0], uint64(a[1]), refs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if st := s.Stats(); st.Reads != bits {
		b.Fatalf("%d reads, want %d: not all hits", st.Reads, bits)
	}
}
