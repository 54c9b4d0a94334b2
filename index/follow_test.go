package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// blockTree is a tree of headers: the chains a node sees, with reorgs.
type blockTree struct {
	rng     *rand.Rand
	seq     uint64
	headers map[[32]byte]treeNode
}

type treeNode struct {
	number uint64
	parent [32]byte
	bloom  [256]byte
}

func (bt *blockTree) lookup(hash [32]byte, number uint64) ([32]byte, [256]byte, bool) {
	n, ok := bt.headers[hash]
	if !ok || n.number != number {
		return [32]byte{}, [256]byte{}, false
	}
	return n.parent, n.bloom, true
}

// extend adds k blocks on top of hash (number) and returns the new head.
func (bt *blockTree) extend(hash [32]byte, number uint64, k int) ([32]byte, uint64) {
	for range k {
		bt.seq++
		var h [32]byte
		binary.BigEndian.PutUint64(h[:], bt.seq)
		var bloom [256]byte
		for i := range bloom {
			//lint:ignore SA4000 two independent random draws
			bloom[i] = byte(bt.rng.Uint32()) & byte(bt.rng.Uint32())
		}
		number++
		bt.headers[h] = treeNode{number, hash, bloom}
		hash = h
	}
	return hash, number
}

// ancestor returns the hash of the ancestor of hash at number.
func (bt *blockTree) ancestor(hash [32]byte, number, at uint64) [32]byte {
	for ; number > at; number-- {
		hash = bt.headers[hash].parent
	}
	return hash
}

// vector is the reference vector of bit for section on the chain of head.
func (bt *blockTree) vector(head [32]byte, number uint64, bit uint, section, size uint64) []byte {
	v := make([]byte, size/8)
	for h, n := head, number; ; n-- {
		node := bt.headers[h]
		if n < section*size {
			break
		}
		if n < (section+1)*size && hasBit(&node.bloom, bit) {
			v[(n-section*size)/8] |= 0x80 >> ((n - section*size) % 8)
		}
		if n == 0 {
			break
		}
		h = node.parent
	}
	return v
}

// TestLiveFollow feeds a Live only the chain heads (skipping blocks, jumping
// between branches, reorgs deeper than the Live reaches) with an indexer that
// commits sections behind the head, and checks that the Live and the disk
// sections always cover every block up to the head with the head's chain.
func TestLiveFollow(t *testing.T) {
	const (
		size = 64
		lag  = 20
	)
	bt := &blockTree{rng: rand.New(rand.NewPCG(5, 5)), headers: map[[32]byte]treeNode{}}
	genesis := [32]byte{0xff}
	bt.headers[genesis] = treeNode{number: 0}
	live, _ := NewLive(size)
	head, number := genesis, uint64(0)
	onDisk := uint64(0)
	for step := range 400 {
		switch r := bt.rng.IntN(10); {
		case r < 6: // the chain grows by one or several blocks between events
			head, number = bt.extend(head, number, 1+bt.rng.IntN(5))
		case r < 9: // a reorg to a sibling branch
			depth := uint64(1 + bt.rng.IntN(30))
			if depth > number-onDisk*size {
				depth = number - onDisk*size
			}
			fork := bt.ancestor(head, number, number-depth)
			head, number = bt.extend(fork, number-depth, int(depth)+bt.rng.IntN(3))
		default: // back to an ancestor, as after a SetHead
			if number > onDisk*size+3 {
				number -= 2
				head = bt.ancestor(head, number+2, number)
			}
		}
		node := bt.headers[head]
		from := onDisk * size
		if err := live.Follow(number, head, node.parent, node.bloom, from, bt.lookup); err != nil {
			t.Fatalf("step %d: Follow(%d): %v", step, number, err)
		}
		if number+1 >= lag {
			onDisk = max(onDisk, (number+1-lag)/size)
		}
		if onDisk > 0 {
			live.DropThrough(onDisk - 1)
		}
		if tip, _, ok := live.Head(); !ok || tip != number {
			t.Fatalf("step %d: Head() = %d %v, want %d", step, tip, ok, number)
		}
		if got, want := live.IndexedSections(onDisk), number/size+1; got != want {
			first, count := live.Sections()
			t.Fatalf("step %d: IndexedSections(%d) = %d, want %d (live %d+%d)", step, onDisk, got, want, first, count)
		}
		sn := live.Snapshot()
		first, count := sn.Sections()
		dst := [][]byte{make([]byte, size/8)}
		for s := first; s < first+count; s++ {
			for range 8 {
				bit := uint(bt.rng.IntN(BloomBits))
				if err := sn.Bitsets(context.Background(), bit, s, dst); err != nil {
					t.Fatal(err)
				}
				if want := bt.vector(head, number, bit, s, size); !bytes.Equal(dst[0], want) {
					t.Fatalf("step %d: bit %d section %d:\n got %x\nwant %x", step, bit, s, dst[0], want)
				}
			}
		}
	}
	// A deep reorg, beyond what the Live holds: it starts over from the disk's end.
	fork := bt.ancestor(head, number, onDisk*size-5)
	head, number = bt.extend(fork, onDisk*size-5, 2*size)
	node := bt.headers[head]
	if err := live.Follow(number, head, node.parent, node.bloom, onDisk*size, bt.lookup); err != nil {
		t.Fatal(err)
	}
	if first, _ := live.Sections(); first > onDisk {
		t.Fatalf("after a deep reorg the Live starts at section %d, after the disk's %d", first, onDisk)
	}
	dst := [][]byte{make([]byte, size/8)}
	first, count := live.Sections()
	for s := first; s < first+count; s++ {
		if err := live.Bitsets(context.Background(), 77, s, dst); err != nil {
			t.Fatal(err)
		}
		if want := bt.vector(head, number, 77, s, size); !bytes.Equal(dst[0], want) {
			t.Fatalf("after a deep reorg, section %d differs", s)
		}
	}
	// A missing header is an error and changes nothing.
	before := live.Snapshot()
	missing := func([32]byte, uint64) ([32]byte, [256]byte, bool) { return [32]byte{}, [256]byte{}, false }
	if err := live.Follow(number+3, [32]byte{1}, [32]byte{2}, [256]byte{}, onDisk*size, missing); err == nil {
		t.Fatal("Follow with a missing header succeeded")
	}
	if after := live.Snapshot(); after.st != before.st || after.next != before.next {
		t.Fatal("a failed Follow changed the Live")
	}
}

// TestLiveFollowPublishesOnce: a reader spinning on the Live while Follow adds
// many blocks at a time only ever sees the heads Follow was given.
func TestLiveFollowPublishesOnce(t *testing.T) {
	const size = 256
	bt := &blockTree{rng: rand.New(rand.NewPCG(6, 6)), headers: map[[32]byte]treeNode{}}
	genesis := [32]byte{0xff}
	bt.headers[genesis] = treeNode{number: 0}
	live, _ := NewLive(size)
	heads := map[uint64]bool{}
	head, number := genesis, uint64(0)
	stop := make(chan struct{})
	seen := make(chan map[uint64]bool)
	go func() {
		s := map[uint64]bool{}
		for {
			select {
			case <-stop:
				seen <- s
				return
			default:
			}
			if h, ok := live.Snapshot().Head(); ok {
				s[h] = true
			}
		}
	}()
	for range 20 {
		if number > 100 && bt.rng.IntN(2) == 0 { // a reorg of many blocks
			fork := bt.ancestor(head, number, number-60)
			head, number = bt.extend(fork, number-60, 100)
		} else {
			head, number = bt.extend(head, number, 60)
		}
		node := bt.headers[head]
		heads[number] = true
		if err := live.Follow(number, head, node.parent, node.bloom, 0, bt.lookup); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	for h := range <-seen {
		if !heads[h] {
			t.Fatalf("a reader saw head %d, which Follow was never given", h)
		}
	}
}

// TestLiveFollowLastBlock: a head at block 2^64-1 (which has no successor) is
// refused, and leaves the Live as it was, even when it is on another branch
// that the walk back would start the Live over from.
func TestLiveFollowLastBlock(t *testing.T) {
	const size = 16
	bt := &blockTree{rng: rand.New(rand.NewPCG(7, 7)), headers: map[[32]byte]treeNode{}}
	genesis, base := [32]byte{0xfe}, uint64(math.MaxUint64-40)
	bt.headers[genesis] = treeNode{number: base}
	live, _ := NewLive(size)
	a, an := bt.extend(genesis, base, 39) // branch A, up to 2^64-2
	node := bt.headers[a]
	if err := live.Follow(an, a, node.parent, node.bloom, 0, bt.lookup); err != nil {
		t.Fatal(err)
	}
	bits := []uint{0, 3, 700, 2047}
	before := liveVectors(t, live, bits)
	for name, head := range map[string][32]byte{
		"the tip's child": func() [32]byte { h, _ := bt.extend(a, an, 1); return h }(),
		"another branch":  func() [32]byte { h, _ := bt.extend(genesis, base, 40); return h }(),
	} {
		node := bt.headers[head]
		if err := live.Follow(math.MaxUint64, head, node.parent, node.bloom, 0, bt.lookup); !errors.Is(err, ErrGap) {
			t.Errorf("%s: Follow(2^64-1) = %v, want %v", name, err, ErrGap)
		}
		if n, h, ok := live.Head(); !ok || n != an || h != a {
			t.Fatalf("%s: Follow(2^64-1) moved the head to %d %x (ok %v)", name, n, h, ok)
		}
		if after := liveVectors(t, live, bits); !reflect.DeepEqual(after, before) {
			t.Fatalf("%s: Follow(2^64-1) changed the Live's vectors", name)
		}
	}
}

// liveVectors returns the sections the Live serves and their vectors of bits.
func liveVectors(t *testing.T, l *Live, bits []uint) [][]byte {
	t.Helper()
	first, count := l.Sections()
	out := [][]byte{{byte(first), byte(count)}}
	for _, bit := range bits {
		dst := make([][]byte, count)
		for i := range dst {
			dst[i] = make([]byte, l.SectionSize()/8)
		}
		if err := l.Bitsets(context.Background(), bit, first, dst); err != nil {
			t.Fatal(err)
		}
		out = append(out, dst...)
	}
	return out
}
