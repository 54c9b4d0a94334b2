package index

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
)

// TestReaderLastSection reads the last section there is: the one whose last
// block is 2^64-1, through the Reader and a Snapshot.
func TestReaderLastSection(t *testing.T) {
	const size = 64
	last := uint64(math.MaxUint64 / size) // blocks last*64 .. 2^64-1
	blooms := makeSection(t, kindReal, size, 3)
	c := &testChain{db: newMemDB(), sectionSize: size}
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	head := testHead(last, canonicalVariant)
	c.index(t, w, last, blooms, head)
	c.db.Put(CanonicalHashKey(math.MaxUint64), head[:])
	c.setStoredHead(last, head)
	want := refVectors(blooms)
	r := c.reader(t)
	for name, src := range map[string]interface {
		Bitsets(context.Context, uint, uint64, [][]byte) error
	}{"reader": r, "snapshot": r.Snapshot()} {
		for _, bit := range []uint{0, 7, 1500, 2047} {
			dst := c.buffers(1)
			if err := src.Bitsets(context.Background(), bit, last, dst); err != nil {
				t.Fatalf("%s: bit %d of the last section: %v", name, bit, err)
			}
			if !bytes.Equal(dst[0], want[bit]) {
				t.Fatalf("%s: bit %d of the last section: wrong vector", name, bit)
			}
		}
		if err := src.Bitsets(context.Background(), 1, last, c.buffers(2)); err == nil || errors.Is(err, ErrNoSection) {
			t.Errorf("%s: a section past the last one: %v, want an argument error", name, err)
		}
	}
}

// prefixBlindDB is a store whose iterators ignore their prefix: they walk every
// key from prefix+start on.
type prefixBlindDB struct{ *memDB }

func (db prefixBlindDB) NewIterator(prefix, start []byte) *memIter {
	return db.memDB.NewIterator(nil, append(append([]byte(nil), prefix...), start...))
}

// TestReaderIteratorIgnoresPrefix: with a store whose iterator ignores its
// prefix, a bit without vectors is an error, not the next bit's vectors.
func TestReaderIteratorIgnoresPrefix(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindDense, size, 1), makeSection(t, kindDense, size, 2)})
	const bit = 5
	for s := range uint64(2) {
		c.db.Delete(BloomBitsKey(bit, s, testHead(s, canonicalVariant)))
	}
	r, err := NewReader(prefixBlindDB{c.db}, size)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Bitsets(ctx, bit, 0, c.buffers(2)); !errors.Is(err, ErrNoVector) {
		t.Errorf("bit %d without vectors: %v, want %v", bit, err, ErrNoVector)
	}
	// The other bits still read right, past keys of other bits and tables.
	for _, b := range []uint{0, 4, 6, 2047} {
		dst := c.buffers(2)
		if err := r.Snapshot().Bitsets(ctx, b, 0, dst); err != nil {
			t.Fatalf("bit %d: %v", b, err)
		}
		for s := range dst {
			if !bytes.Equal(dst[s], c.vectors[s][b]) {
				t.Fatalf("bit %d section %d: wrong vector", b, s)
			}
		}
	}
}

// TestReaderPointReads runs the Reader's tests of what it reads, not how, with
// a point read per section instead of iterators.
func TestReaderPointReads(t *testing.T) {
	testReadMode = pointReads
	defer func() { testReadMode = iterating }()
	for _, c := range []struct {
		name string
		test func(*testing.T)
	}{
		{"RoundTrip", TestRoundTrip},
		{"Reorg", TestReaderReorg},
		{"SnapshotReorg", TestSnapshotReorg},
		{"Missing", TestReaderMissing},
		{"Corrupt", TestReaderCorrupt},
		{"Args", TestReaderArgs},
		{"Context", TestReaderContext},
		{"Concurrent", TestReaderConcurrent},
		{"LastSection", TestReaderLastSection},
		{"SnapshotKeepsHeads", TestSnapshotKeepsHeads},
	} {
		t.Run(c.name, c.test)
	}
}

// emptyIfMissingDB is a store whose Get returns an empty value, not an error,
// for a missing key.
type emptyIfMissingDB struct{ *memDB }

func (db emptyIfMissingDB) Get(key []byte) ([]byte, error) {
	v, err := db.memDB.Get(key)
	if err != nil {
		return nil, nil
	}
	return v, nil
}

// TestReaderEmptyIfMissing: on a store whose Get does not fail for a missing
// key, a missing vector is still an error, not an all-zero vector.
func TestReaderEmptyIfMissing(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindDense, size, 1), makeSection(t, kindDense, size, 2)})
	c.db.Delete(BloomBitsKey(9, 1, testHead(1, canonicalVariant)))
	r, err := NewReader(emptyIfMissingDB{c.db}, size)
	if err != nil {
		t.Fatal(err)
	}
	r.mode = pointReads
	for n := 1; n <= 2; n++ {
		if err := r.Bitsets(context.Background(), 9, 2-uint64(n), c.buffers(n)); !errors.Is(err, ErrNoVector) {
			t.Errorf("%d sections: a missing vector: %v, want %v", n, err, ErrNoVector)
		}
	}
	c.checkRun(t, r, 10, 0, 2)
}
