package bench

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/rotate"
	"github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/types"
)

// One section of 4096 blocks, as a node's bloom indexer builds it.
const rotateSectionSize = 4096

// rotateBenchInputs are the inputs of the section benchmarks: all-zero (early
// mainnet history), 1% and 50% random (recent history is 40-50% dense), and
// the real blooms tiled.
func rotateBenchInputs(b *testing.B) []rotateInput {
	var out []rotateInput
	for _, in := range rotateInputs(b, rotateSectionSize) {
		if in.name != "one" {
			out = append(out, in)
		}
	}
	return out
}

var rotateSink int

// BenchmarkSection rotates one full section: construct (go-ethereum) or Reset
// (ourRotate) a rotateGenerator, add the 4096 blooms, read all 2048 vectors. Ours adds them
// with AddBlooms; BenchmarkSectionAddBloom adds them one by one.
func BenchmarkSection(b *testing.B) {
	benchRotate(b, func(g *rotate.Generator, bl [][256]byte) {
		if err := g.AddBlooms(0, bl); err != nil {
			b.Fatal(err)
		}
	}, nil)
}

// BenchmarkSectionAddBloom is BenchmarkSection with go-ethereum's API: one
// AddBloom call per block.
func BenchmarkSectionAddBloom(b *testing.B) {
	benchRotate(b, rotateAddEach, nil)
}

// BenchmarkIndex is what a node's indexer does per section: rotate it, then
// compress every vector for the database. go-ethereum's BloomIndexer calls
// bitutil.CompressBytes per vector; ours compresses into one reused buffer with
// bitops.AppendCompressed, as index.Writer does.
func BenchmarkIndex(b *testing.B) {
	buf := make([]byte, 0, rotateSectionSize/8)
	benchRotate(b, func(g *rotate.Generator, bl [][256]byte) {
		if err := g.AddBlooms(0, bl); err != nil {
			b.Fatal(err)
		}
	}, func(vector []byte, geth bool) {
		if geth {
			rotateSink += len(bitutil.CompressBytes(vector))
		} else {
			buf = bitops.AppendCompressed(buf[:0], vector)
			rotateSink += len(buf)
		}
	})
}

func rotateAddEach(g *rotate.Generator, bl [][256]byte) {
	for j := range bl {
		if err := g.AddBloom(uint(j), bl[j]); err != nil {
			panic(err)
		}
	}
}

// benchRotate runs add and then use (if set) on each vector, for every
// implementation of ourRotate and for go-ethereum.
func benchRotate(b *testing.B, add func(*rotate.Generator, [][256]byte), use func(vector []byte, geth bool)) {
	for _, in := range rotateBenchInputs(b) {
		rotateImpls(b, func(name string) {
			b.Run("impl="+name+"/input="+in.name, func(b *testing.B) {
				b.SetBytes(rotateSectionSize * types.BloomByteLength)
				b.ReportAllocs()
				g, err := rotate.NewGenerator(rotateSectionSize)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					g.Reset()
					add(g, in.blooms)
					for i := uint(0); i < types.BloomBitLength; i++ {
						v, err := g.Bitset(i)
						if err != nil {
							b.Fatal(err)
						}
						if use != nil {
							use(v, false)
						} else {
							rotateSink += len(v)
						}
					}
				}
			})
		})
		b.Run("impl=geth/input="+in.name, func(b *testing.B) {
			b.SetBytes(rotateSectionSize * types.BloomByteLength)
			b.ReportAllocs()
			for b.Loop() {
				g, err := bloombits.NewGenerator(rotateSectionSize)
				if err != nil {
					b.Fatal(err)
				}
				for j := range in.blooms {
					if err := g.AddBloom(uint(j), in.blooms[j]); err != nil {
						b.Fatal(err)
					}
				}
				for i := uint(0); i < types.BloomBitLength; i++ {
					v, err := g.Bitset(i)
					if err != nil {
						b.Fatal(err)
					}
					if use != nil {
						use(v, true)
					} else {
						rotateSink += len(v)
					}
				}
			}
		})
	}
}
