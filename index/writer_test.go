package index

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// Commit writes, bit by bit, the key of (bit, section, head) and the compressed
// reference vector: nil for an all-zero vector, as go-ethereum's
// bitutil.CompressBytes (bitops.CompressBytes is checked against it in bench/).
func TestWriterCommit(t *testing.T) {
	for _, size := range []uint64{8, 64, 4096} {
		w, err := NewWriter(size)
		if err != nil {
			t.Fatal(err)
		}
		for kind := range kinds {
			t.Run(fmt.Sprintf("size=%d/%s", size, kindNames[kind]), func(t *testing.T) {
				section := uint64(1)<<40 + uint64(kind)
				blooms := makeSection(t, kind, int(size), uint64(kind)+size)
				head := testHead(section, 7)
				w.Reset(section)
				if kind%2 == 0 {
					for j, b := range blooms {
						if err := w.AddBloom(uint(j), b); err != nil {
							t.Fatal(err)
						}
					}
				} else if err := w.AddBlooms(0, blooms); err != nil {
					t.Fatal(err)
				}
				var rec recorder
				if err := w.Commit(&rec, head); err != nil {
					t.Fatal(err)
				}
				if len(rec.keys) != BloomBits {
					t.Fatalf("%d puts, want %d", len(rec.keys), BloomBits)
				}
				want := refVectors(blooms)
				empty := 0
				for bit := range BloomBits {
					if k := BloomBitsKey(uint(bit), section, head); !bytes.Equal(rec.keys[bit], k) {
						t.Fatalf("put %d: key %x, want %x", bit, rec.keys[bit], k)
					}
					v := bitops.CompressBytes(want[bit])
					if !bytes.Equal(rec.vals[bit], v) || (v == nil) != (rec.vals[bit] == nil) {
						t.Fatalf("bit %d: value %x, want %x", bit, rec.vals[bit], v)
					}
					if v == nil {
						empty++
					}
				}
				if kind == kindEmpty && empty != BloomBits {
					t.Errorf("empty section: %d nil values, want %d", empty, BloomBits)
				}
				// The slices handed to the Putter are its own: a later
				// commit does not overwrite them.
				kept := bytes.Clone(rec.vals[BloomBits-1])
				w.Reset(section + 1)
				if err := w.AddBlooms(0, makeSection(t, kindDense, int(size), 99)); err != nil {
					t.Fatal(err)
				}
				if err := w.Commit(discard{}, testHead(0, 0)); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rec.vals[BloomBits-1], kept) || !bytes.Equal(rec.keys[0], BloomBitsKey(0, section, head)) {
					t.Error("a later Commit overwrote the keys or values handed to the Putter")
				}
			})
		}
	}
}

func TestWriterErrors(t *testing.T) {
	for _, size := range []uint64{0, 1, 7, 12, 1 << 63, 8 << 40} {
		if _, err := NewWriter(size); err == nil {
			t.Errorf("NewWriter(%d): no error", size)
		}
	}
	w, err := NewWriter(16)
	if err != nil {
		t.Fatal(err)
	}
	var bloom [256]byte
	w.Reset(3)
	if err := w.AddBloom(1, bloom); !errors.Is(err, rotate.ErrUnexpectedIndex) {
		t.Errorf("AddBloom out of order: %v, want %v", err, rotate.ErrUnexpectedIndex)
	}
	for j := range 15 {
		if err := w.AddBloom(uint(j), bloom); err != nil {
			t.Fatal(err)
		}
	}
	var rec recorder
	if err := w.Commit(&rec, [32]byte{}); !errors.Is(err, rotate.ErrNotGenerated) || len(rec.keys) != 0 {
		t.Errorf("Commit of a section one bloom short: %v after %d puts, want %v before any", err, len(rec.keys), rotate.ErrNotGenerated)
	}
	if err := w.AddBloom(15, bloom); err != nil {
		t.Fatal(err)
	}
	if err := w.AddBloom(16, bloom); !errors.Is(err, rotate.ErrSectionOutOfBounds) {
		t.Errorf("AddBloom past the section: %v, want %v", err, rotate.ErrSectionOutOfBounds)
	}
	if err := w.Commit(nil, [32]byte{}); err == nil {
		t.Error("Commit into nil: no error")
	}
	rec = recorder{failAt: 5}
	if err := w.Commit(&rec, [32]byte{}); err == nil || len(rec.keys) != 4 {
		t.Errorf("Commit with a failing Put: %v after %d puts, want an error after 4", err, len(rec.keys))
	}
	// A failed Commit can be retried.
	rec = recorder{}
	if err := w.Commit(&rec, [32]byte{}); err != nil || len(rec.keys) != BloomBits {
		t.Errorf("Commit retried: %v, %d puts", err, len(rec.keys))
	}
	// Reset drops the blooms added.
	w.Reset(4)
	if err := w.Commit(&rec, [32]byte{}); !errors.Is(err, rotate.ErrNotGenerated) {
		t.Errorf("Commit after Reset: %v, want %v", err, rotate.ErrNotGenerated)
	}
}

// In the steady state, a section costs one allocation: the keys and values
// handed to the Putter.
func TestWriterAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	const size = 4096
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	for kind := range kinds {
		blooms := makeSection(t, kind, size, 1)
		section := uint64(0)
		index := func() {
			w.Reset(section)
			for j, b := range blooms {
				if err := w.AddBloom(uint(j), b); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Commit(discard{}, [32]byte{}); err != nil {
				t.Fatal(err)
			}
			section++
		}
		index() // grows the buffer
		if n := testing.AllocsPerRun(3, index); n != 1 {
			t.Errorf("%s sections: %v allocations per section, want 1", kindNames[kind], n)
		}
	}
}
