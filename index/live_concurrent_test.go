package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// tip is one head the writer published: blooms[n] is the bloom of block n of
// its chain, for n < len(blooms). Entries are never modified after they are
// recorded (a reorg copies the chain).
type tip struct {
	blooms [][256]byte
}

// history records the tips in order, readable while the writer adds more.
type history struct {
	mu   sync.Mutex
	tips []tip
}

func (h *history) add(t tip) {
	h.mu.Lock()
	h.tips = append(h.tips, t)
	h.mu.Unlock()
}

// since returns the tips from index i on, and the current count.
func (h *history) since(i int) ([]tip, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.tips[i:]), len(h.tips)
}

func (h *history) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tips)
}

// clauseBits is the reference of a clause's three bloom bits.
func clauseBits(clause []byte) [3]uint {
	h := sha3.NewLegacyKeccak256()
	h.Write(clause)
	sum := h.Sum(nil)
	var out [3]uint
	for k := range out {
		out[k] = (uint(sum[2*k])<<8 | uint(sum[2*k+1])) & 2047
	}
	return out
}

// refFilter is a filter as the bits of its clauses.
type refFilter [][][3]uint

func newRefFilter(filter [][][]byte) refFilter {
	var f refFilter
	for _, group := range filter {
		var g [][3]uint
		for _, c := range group {
			g = append(g, clauseBits(c))
		}
		f = append(f, g)
	}
	return f
}

// refMatch reports whether bloom matches filter: every non-empty group has a
// clause whose three bits are set.
func refMatch(bloom *[256]byte, filter refFilter) bool {
	for _, group := range filter {
		if len(group) == 0 {
			continue
		}
		ok := false
		for _, b := range group {
			if hasBit(bloom, b[0]) && hasBit(bloom, b[1]) && hasBit(bloom, b[2]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func refAnswer(t tip, filter refFilter, begin, end uint64) []uint64 {
	var out []uint64
	for n := begin; n <= end && n < uint64(len(t.blooms)); n++ {
		if refMatch(&t.blooms[n], filter) {
			out = append(out, n)
		}
	}
	return out
}

// diskSource stands for the disk index: the vectors of committed sections.
type diskSource struct {
	size uint64
	mu   sync.RWMutex
	vecs map[[2]uint64][]byte // bit, section
}

func (d *diskSource) commit(section uint64, blooms [][256]byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for bit := range uint(BloomBits) {
		v := make([]byte, d.size/8)
		for j := range d.size {
			if hasBit(&blooms[section*d.size+j], bit) {
				v[j/8] |= 0x80 >> (j % 8)
			}
		}
		d.vecs[[2]uint64{uint64(bit), section}] = v
	}
}

func (d *diskSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for i := range dst {
		v, ok := d.vecs[[2]uint64{uint64(bit), first + uint64(i)}]
		if !ok {
			return fmt.Errorf("disk: no bit %d of section %d", bit, first+uint64(i))
		}
		copy(dst[i], v)
	}
	return nil
}

// clause returns clause i of a small fixed set, so that random blooms of
// density 1/4 match it in about 1.5% of blocks.
func clause(i int) []byte { return []byte{byte(i), 0xc1} }

// TestLiveConcurrentScan runs Scan queries while a writer adds a block about
// every millisecond, with reorgs (some across a section boundary) and sections
// moving to a disk source. Every answer of a query on a pinned source must be
// the reference answer of a tip that existed during the query; a query on the
// unpinned Live must at least hold every block that matches at all of them.
func TestLiveConcurrentScan(t *testing.T) {
	const (
		size     = 128
		lag      = 40 // blocks past a section's end before it goes to disk
		duration = 1500 * time.Millisecond
		// The writer goes on past duration, up to this bound, until it has done
		// enough (see the check at the end): a loaded machine (go test runs
		// packages side by side, -race slows the writer) must not fail the test.
		bound = 30 * time.Second
	)
	live, err := NewLive(size)
	if err != nil {
		t.Fatal(err)
	}
	disk := &diskSource{size: size, vecs: map[[2]uint64][]byte{}}
	var onDisk atomic.Uint64
	composed := Compose(disk, onDisk.Load, live)
	hist := &history{}

	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	started := time.Now()
	var wg sync.WaitGroup
	var writerErr error
	var reorgs, crossings atomic.Int64
	wg.Add(1)
	go func() { // the writer
		defer wg.Done()
		defer cancel()
		rng := rand.New(rand.NewPCG(1, 2))
		var chain [][256]byte
		var hashes [][32]byte
		seq := uint64(0)
		crossed := uint64(0) // the last section whose start a reorg crossed
		newHash := func() [32]byte {
			seq++
			return [32]byte{byte(seq >> 24), byte(seq >> 16), byte(seq >> 8), byte(seq), 0xaa}
		}
		nodes := map[[32]byte]treeNode{}
		lookup := func(hash [32]byte, n uint64) ([32]byte, [256]byte, bool) {
			node, ok := nodes[hash]
			return node.parent, node.bloom, ok && node.number == n
		}
		// add makes blocks n .. n+k-1 the head, with Add for one block and with
		// Follow (one publication) for several: only the last is ever a tip.
		add := func(n uint64, k int) error {
			if n < uint64(len(chain)) { // a reorg: copy, old tips keep their chain
				chain = slices.Clone(chain[:n])
				hashes = hashes[:n]
			}
			var h, parent [32]byte
			var bloom [256]byte
			for i := range uint64(k) {
				for j := range bloom {
					//lint:ignore SA4000 two independent random draws
					bloom[j] = byte(rng.Uint32()) & byte(rng.Uint32())
				}
				parent = [32]byte{}
				if n+i > 0 {
					parent = hashes[n+i-1]
				}
				h = newHash()
				nodes[h] = treeNode{n + i, parent, bloom}
				chain = append(chain, bloom)
				hashes = append(hashes, h)
			}
			// Recorded before it is published, so that a query that saw it finds
			// it in the history when it ends.
			hist.add(tip{blooms: chain[:len(chain):len(chain)]})
			last := n + uint64(k) - 1
			if k == 1 {
				return live.Add(last, h, parent, bloom)
			}
			return live.Follow(last, h, parent, bloom, onDisk.Load()*size, lookup)
		}
		for ctx.Err() == nil {
			if time.Since(started) >= duration && wroteEnough(hist.len(), reorgs.Load(), onDisk.Load()) {
				return
			}
			next := uint64(len(chain))
			switch {
			case next > size && (rng.IntN(10) == 0 || next%size == 3 && next/size != crossed):
				// A reorg; early in every section, one that crosses its boundary.
				held := next - max(onDisk.Load()*size, (next/size-1)*size)
				depth := 1 + rng.Uint64N(min(held, 8))
				if next%size == 3 && next/size != crossed {
					crossed = next / size
					depth = min(held, 4+rng.Uint64N(8))
					crossings.Add(1)
				}
				reorgs.Add(1)
				if writerErr = add(next-depth, 1+rng.IntN(int(depth)+2)); writerErr != nil {
					return
				}
			default:
				if writerErr = add(next, 1); writerErr != nil {
					return
				}
			}
			// The indexer commits a section lag blocks after its end, and only then
			// does the Live drop it.
			if s := onDisk.Load(); uint64(len(chain)) >= (s+1)*size+lag {
				disk.commit(s, chain)
				onDisk.Store(s + 1)
				live.DropThrough(s)
			}
			time.Sleep(time.Millisecond)
		}
	}()

	type result struct {
		queries  int
		worst    time.Duration
		failures []string
	}
	queryLoop := func(name string, rng *rand.Rand, res *result) {
		defer wg.Done()
		for ctx.Err() == nil {
			time.Sleep(time.Millisecond) // leave the writer a core now and then
			if hist.len() == 0 {
				continue
			}
			filter := [][][]byte{{clause(rng.IntN(6)), clause(6 + rng.IntN(6))}}
			if rng.IntN(3) == 0 {
				filter = append(filter, [][]byte{clause(20 + rng.IntN(4))})
			}
			m := matcher.NewMatcher(size, filter)
			ref := newRefFilter(filter)
			// The tip published now is the last one recorded or, if the writer
			// is between recording and publishing, the one before.
			h0 := max(0, hist.len()-2)
			start := time.Now()
			var (
				src        matcher.Source
				begin, end uint64
				pinned     = true
			)
			switch name {
			case "snapshot":
				sn := live.Snapshot()
				first, count := sn.Sections()
				head, ok := sn.Head()
				if count == 0 || !ok {
					continue
				}
				src, begin, end = sn, first*size+rng.Uint64N(size), head
			case "composed":
				p := composed.Snapshot()
				head, ok := p.live.Head()
				if !ok || composed.Sections() == 0 {
					continue
				}
				src, begin, end = p, rng.Uint64N(head+1), head
			case "live":
				first, count := live.Sections()
				head, _, ok := live.Head()
				if count == 0 || !ok {
					continue
				}
				src, begin, end, pinned = live, first*size, head, false
			}
			if pinned { // past the tip too: those blocks must read as zero
				end = min(end+rng.Uint64N(16), (end/size+1)*size-1)
			}
			if begin > end {
				begin = end
			}
			slow := rng.IntN(2) == 0
			if slow { // a slow reader: its reads span several blocks
				src = slowSource{src}
			}
			var got []uint64
			err := m.Scan(context.Background(), begin, end, src, func(n uint64) bool {
				got = append(got, n)
				return true
			})
			took := time.Since(start)
			if !slow {
				res.worst = max(res.worst, took)
			}
			res.queries++
			tips, _ := hist.since(h0)
			if err != nil {
				if !pinned {
					continue // the Live may drop the sections an unpinned query reads
				}
				res.failures = append(res.failures, fmt.Sprintf("%s: Scan(%d, %d): %v", name, begin, end, err))
				continue
			}
			if pinned {
				found := false
				for _, tp := range tips {
					if slices.Equal(got, refAnswer(tp, ref, begin, end)) {
						found = true
						break
					}
				}
				if !found {
					res.failures = append(res.failures, fmt.Sprintf("%s: Scan(%d, %d) = %v matches none of %d tips (first: %v)",
						name, begin, end, got, len(tips), refAnswer(tips[0], ref, begin, end)))
				}
				continue
			}
			// Unpinned: every block matching at all tips is found.
			for _, n := range refAnswer(tips[0], ref, begin, end) {
				everywhere := true
				for _, tp := range tips[1:] {
					everywhere = everywhere && n < uint64(len(tp.blooms)) && refMatch(&tp.blooms[n], ref)
				}
				if everywhere && !slices.Contains(got, n) {
					res.failures = append(res.failures, fmt.Sprintf("live: Scan(%d, %d) misses block %d that matches at every tip", begin, end, n))
				}
			}
		}
	}
	names := []string{"snapshot", "composed", "live"}
	results := make([]result, len(names))
	for i, name := range names {
		wg.Add(1)
		go queryLoop(name, rand.New(rand.NewPCG(uint64(i), 9)), &results[i])
	}
	wg.Wait()
	if writerErr != nil {
		t.Fatal("writer:", writerErr)
	}
	blocks := hist.len()
	t.Logf("%d tips, %d reorgs (%d across a section boundary), %d sections on disk", blocks, reorgs.Load(), crossings.Load(), onDisk.Load())
	for i, name := range names {
		r := results[i]
		t.Logf("%s: %d queries, worst of those not slowed down %v", name, r.queries, r.worst)
		for _, f := range r.failures[:min(len(r.failures), 5)] {
			t.Error(f)
		}
		if r.queries == 0 {
			t.Errorf("%s: no query ran", name)
		}
	}
	if !wroteEnough(blocks, reorgs.Load(), onDisk.Load()) {
		t.Errorf("the writer did too little: %d blocks, %d reorgs, %d sections on disk", blocks, reorgs.Load(), onDisk.Load())
	}
}

// wroteEnough reports whether TestLiveConcurrentScan's writer has published
// enough tips, reorgs and sections on disk for the test to mean something.
func wroteEnough(tips int, reorgs int64, onDisk uint64) bool {
	return tips >= 300 && reorgs > 0 && onDisk > 0
}

// TestLiveReadersNeverWait holds the writer's lock, as a writer stuck in the
// middle of Add would, and runs queries: they must all finish.
func TestLiveReadersNeverWait(t *testing.T) {
	g := newChainGen(t, 64, 21)
	for range 100 {
		g.grow(t)
	}
	composed := Compose(nil, nil, g.live)
	g.live.mu.Lock()
	defer g.live.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		first, count := g.live.Sections()
		m := matcher.NewMatcher(64, [][][]byte{{clause(1), clause(2)}})
		err := m.Scan(context.Background(), first*64, (first+count)*64-1, g.live, func(uint64) bool { return true })
		if err == nil {
			err = m.Scan(context.Background(), first*64, (first+count)*64-1, composed, func(uint64) bool { return true })
		}
		if err == nil && composed.Sections() != first+count {
			err = fmt.Errorf("Sections() = %d, want %d", composed.Sections(), first+count)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a query waited for the writer's lock")
	}
}

// slowSource delays each read, as a descheduled query would be.
type slowSource struct{ src matcher.Source }

func (s slowSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	time.Sleep(time.Duration(bit%4) * 500 * time.Microsecond)
	return s.src.Bitsets(ctx, bit, first, dst)
}
