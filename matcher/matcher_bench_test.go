package matcher

import (
	"fmt"
	"testing"
)

// BenchmarkNewMatcher compiles filters of the sizes eth_getLogs sees: one
// address, an address and a topic, and ten addresses with two topics. A node
// builds a Matcher per query, so this is paid by every query, however small.
func BenchmarkNewMatcher(b *testing.B) {
	value := func(i int) []byte { return []byte(fmt.Sprintf("value %032d", i)) }
	values := func(first, n int) [][]byte {
		var vs [][]byte
		for i := range n {
			vs = append(vs, value(first+i))
		}
		return vs
	}
	for _, f := range []struct {
		name    string
		filters [][][]byte
	}{
		{"1addr", [][][]byte{values(0, 1)}},
		{"1addr1topic", [][][]byte{values(0, 1), values(1, 1)}},
		{"10addr2topic", [][][]byte{values(0, 10), values(10, 2)}},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				NewMatcher(4096, f.filters)
			}
		})
	}
}
