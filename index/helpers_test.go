package index

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// refVectors rotates a section's blooms the plain way, as go-ethereum's
// bloombits.Generator: bit i of a bloom is bloom[255-i/8] & (1 << (i%8)); block j
// of the section is bit 0x80>>(j%8) of byte j/8 of each vector.
func refVectors(section [][256]byte) [][]byte {
	vectors := make([][]byte, BloomBits)
	for i := range vectors {
		vectors[i] = make([]byte, len(section)/8)
	}
	for j, bloom := range section {
		for k, b := range bloom {
			for t := range 8 {
				if b&(1<<t) != 0 {
					i := 8*(255-k) + t // bloom[255-i/8] & (1 << (i%8))
					vectors[i][j/8] |= 0x80 >> (j % 8)
				}
			}
		}
	}
	return vectors
}

// The kinds of section contents the tests index.
const (
	kindEmpty = iota
	kindSparse
	kindDense
	kindReal
	kinds
)

var kindNames = [kinds]string{"empty", "sparse", "dense", "real"}

// makeSection returns size blooms of the given kind; seed varies them.
func makeSection(t testing.TB, kind int, size int, seed uint64) [][256]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(kind)))
	out := make([][256]byte, size)
	switch kind {
	case kindSparse: // a few blocks with a log or two
		for j := range out {
			if rng.IntN(20) == 0 {
				for range 3 * (1 + rng.IntN(2)) {
					b := rng.IntN(2048)
					out[j][b/8] |= 1 << (b % 8)
				}
			}
		}
	case kindDense:
		for j := range out {
			for k := range out[j] {
				out[j][k] = byte(rng.Uint32())
			}
		}
	case kindReal:
		all, err := blooms.Load()
		if err != nil {
			t.Fatal(err)
		}
		off := rng.IntN(len(all))
		for j := range out {
			out[j] = all[(off+j)%len(all)]
		}
	}
	return out
}

// testHead returns a head hash for section s; variant makes other heads of the
// same section, sorting before (low variants) or after the canonical one.
func testHead(s uint64, variant byte) [32]byte {
	var h [32]byte
	h[0] = variant
	for i := 1; i < 32; i++ {
		h[i] = byte(s>>(8*(i%8))) ^ byte(i*7)
	}
	return h
}

const canonicalVariant = 0x80

// testChain is an index in a memDB as a node's BloomIndexer leaves it:
// sections of given blooms, indexed and canonical under testHead(s,
// canonicalVariant), with the section heads and count stored.
type testChain struct {
	db          *memDB
	sectionSize uint64
	blooms      [][][256]byte
	vectors     [][][]byte // vectors[s][bit], by refVectors
}

func newTestChain(t testing.TB, sectionSize uint64, sections [][][256]byte) *testChain {
	t.Helper()
	c := &testChain{db: newMemDB(), sectionSize: sectionSize, blooms: sections}
	w, err := NewWriter(sectionSize)
	if err != nil {
		t.Fatal(err)
	}
	for s, section := range sections {
		head := testHead(uint64(s), canonicalVariant)
		c.index(t, w, uint64(s), section, head)
		c.setCanonical(uint64(s), head)
		c.setStoredHead(uint64(s), head)
		c.vectors = append(c.vectors, refVectors(section))
	}
	c.db.Put(SectionCountKey(), binary.BigEndian.AppendUint64(nil, uint64(len(sections))))
	return c
}

// setStoredHead stores head as the BloomIndexer's head of section s.
func (c *testChain) setStoredHead(s uint64, head [32]byte) {
	c.db.Put(SectionHeadKey(s), head[:])
}

// index writes section's blooms under head with w.
func (c *testChain) index(t testing.TB, w *Writer, s uint64, section [][256]byte, head [32]byte) {
	t.Helper()
	w.Reset(s)
	for j, b := range section {
		if err := w.AddBloom(uint(j), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(c.db, head); err != nil {
		t.Fatal(err)
	}
}

func (c *testChain) setCanonical(s uint64, head [32]byte) {
	c.db.Put(CanonicalHashKey((s+1)*c.sectionSize-1), head[:])
}

func (c *testChain) reader(t testing.TB) *Reader {
	t.Helper()
	r, err := NewReader(c.db, c.sectionSize)
	if err != nil {
		t.Fatal(err)
	}
	r.mode = testReadMode
	return r
}

// testReadMode is how the Readers of testChain.reader read runs: with
// iterators, which the tests that count reads expect, unless a test asks for
// point reads (TestReaderPointReads). The tests of measured choices are in
// costs_test.go.
var testReadMode = iterating

// buffers returns n vectors of the chain's size, filled with garbage so that a
// reader that leaves bytes unwritten is caught.
func (c *testChain) buffers(n int) [][]byte {
	dst := make([][]byte, n)
	for i := range dst {
		dst[i] = make([]byte, c.sectionSize/8)
		for k := range dst[i] {
			dst[i][k] = 0x5a
		}
	}
	return dst
}

// decompressed is the reference decoder of a stored value.
func decompressed(value []byte, size int) ([]byte, error) {
	return bitops.DecompressBytes(value, size)
}
