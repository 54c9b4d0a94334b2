package blooms

import "testing"

// The embedded file is the 794 blooms of testdata/README.md, every one non-zero.
func TestLoad(t *testing.T) {
	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 794 {
		t.Fatalf("loaded %d blooms, want 794", len(all))
	}
	for i, b := range all {
		if b == ([256]byte{}) {
			t.Fatalf("bloom %d is all zero", i)
		}
	}
	all[0][0] ^= 1
	again, _ := Load()
	if again[0] == all[0] {
		t.Fatal("Load returned shared memory")
	}
}
