package bench

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/ethereum/go-ethereum/common/bitutil"
)

func TestGethLinked(t *testing.T) {
	a, b := []byte{0xff, 0x0f}, []byte{0x0f, 0xff}
	d1, d2 := make([]byte, 2), make([]byte, 2)
	if bitops.ANDBytes(d1, a, b) != bitutil.ANDBytes(d2, a, b) || string(d1) != string(d2) {
		t.Fatal("mismatch")
	}
}
