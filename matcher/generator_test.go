package matcher

import (
	"bytes"
	"testing"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// TestGeneratorForwards: matcher's Generator is rotate's, with its errors.
func TestGeneratorForwards(t *testing.T) {
	if _, err := NewGenerator(7); err != rotate.ErrSectionCount {
		t.Fatalf("NewGenerator(7): %v, want rotate.ErrSectionCount", err)
	}
	g, err := NewGenerator(8)
	if err != nil {
		t.Fatal(err)
	}
	var bloom [256]byte
	bloom[255] = 1 // bit 0 of the bloom (go-ethereum's bit order)
	for i := range uint(8) {
		if err := g.AddBloom(i, bloom); err != nil {
			t.Fatal(err)
		}
	}
	v, err := g.Bitset(0)
	if err != nil || !bytes.Equal(v, []byte{0xff}) {
		t.Fatalf("Bitset(0) = %x, %v; want ff", v, err)
	}
}
