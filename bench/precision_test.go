package bench

// The precision study of docs/precision.md: candidate geometries of a log index
// measured on the logs of the node layer's moderate and dense chains
// (internal/logchain). TestPrecisionStudy prints, per chain and geometry, the
// index bytes per section, the measured false-positive rates and the vectors
// read per query; BenchmarkPreciseBuild times the build of one section from its
// log values. Run:
//
//	go test -run TestPrecisionStudy -v .          (BLOOMSIMD_STUDY_SECTIONS, 4 by default)
//	go test -run '^$' -bench PreciseBuild -count 6 .

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/bloomsimd/bloomsimd/bench/internal/logchain"
	"github.com/bloomsimd/bloomsimd/index"
)

// studyKey is the study's hash key (any fixed key: the rates do not depend on it).
var studyKey = [16]byte{'b', 'l', 'o', 'o', 'm', 's', 'i', 'm', 'd', ' ', 's', 't', 'u', 'd', 'y', 1}

// studyGeometry is one candidate: a wide bloom (wide set), exact per-value
// lists (exact), or exact lists for addresses and a wide bloom for topics
// (both set). The header bloom is the bloom-bit index itself.
type studyGeometry struct {
	name   string
	header bool
	wide   index.Geometry // Bits 0: none
	exact  bool           // exact lists for addresses (and topics, unless wide is set)
}

func studyGeometries() []studyGeometry {
	wide := func(m, k uint32) index.Geometry { return index.Geometry{Bits: m, Probes: k, Key: studyKey} }
	return []studyGeometry{
		{name: "header-2048x3", header: true},
		{name: "wide-4096x3", wide: wide(4096, 3)},
		{name: "wide-8192x3", wide: wide(8192, 3)},
		{name: "wide-8192x4", wide: wide(8192, 4)},
		{name: "wide-16384x3", wide: wide(16384, 3)},
		{name: "wide-16384x6", wide: wide(16384, 6)},
		{name: "exact", exact: true},
		{name: "hybrid-exactaddr-8192x3topic", exact: true, wide: wide(8192, 3)},
	}
}

// studyChain holds a chain's blocks as value ids: id < PoolSize is pool topic
// id, id < 2*PoolSize pool address id-PoolSize, and above that a planted value.
type studyChain struct {
	chain   logchain.Chain
	pool    []common.Hash
	planted [][]byte
	blocks  [][]uint32
	blooms  []types.Bloom // header blooms
	sparse  []bool        // the sparse filter truly matches
	busy    []bool        // the busy filter truly matches
}

func studySections() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("BLOOMSIMD_STUDY_SECTIONS"), 10, 64); err == nil && s > 0 {
		return s
	}
	return 4
}

func newStudyChain(c logchain.Chain, sections uint64) *studyChain {
	g := logchain.NewGenerator(c, sections)
	sc := &studyChain{chain: c, pool: logchain.Pool()}
	plantedID := map[string]uint32{}
	for range sections * logchain.SectionSize {
		_, logs := g.Next()
		var ids []uint32
		var bloom types.Bloom
		sparseAddr, sparseTopic, busyAddr, busyTopic := false, false, false, false
		for _, l := range logs {
			values := index.AppendLogValues(nil, l.Address, l.Topics)
			for i, v := range values {
				bloom.Add(v)
				ids = append(ids, sc.id(plantedID, v, i == 0))
			}
			sparseAddr = sparseAddr || l.Address == logchain.AddrSparse
			busyAddr = busyAddr || l.Address == logchain.AddrBusy
			for _, t := range l.Topics {
				sparseTopic = sparseTopic || t == logchain.TopicSparse
				busyTopic = busyTopic || t == logchain.TopicBusy
			}
		}
		sc.blocks = append(sc.blocks, ids)
		sc.blooms = append(sc.blooms, bloom)
		// A filter {address} AND {topic} matches a block with the address in
		// one log and the topic in any (eth/filters checks per log; the planted
		// logs put both in one log).
		sc.sparse = append(sc.sparse, sparseAddr && sparseTopic && hasLog(logs, logchain.AddrSparse, logchain.TopicSparse))
		sc.busy = append(sc.busy, busyAddr && busyTopic && hasLog(logs, logchain.AddrBusy, logchain.TopicBusy))
	}
	return sc
}

func hasLog(logs []*types.Log, a common.Address, t common.Hash) bool {
	for _, l := range logs {
		if l.Address == a && slices.Contains(l.Topics, t) {
			return true
		}
	}
	return false
}

// id returns the id of value v (an address if addr).
func (sc *studyChain) id(planted map[string]uint32, v []byte, addr bool) uint32 {
	if id, ok := planted[string(v)]; ok {
		return id
	}
	// Noise values: search by the pool's construction is costly, so planted
	// values (the few fixed ones) are recognized by their leading zero bytes.
	if v[0] == 0 && v[1] == 0 && v[2] == 0 {
		id := uint32(2*logchain.PoolSize + len(sc.planted))
		sc.planted = append(sc.planted, append([]byte(nil), v...))
		planted[string(v)] = id
		return id
	}
	return sc.poolID(v, addr)
}

// poolIndex maps a pool value's first 8 bytes to its index.
var poolIndex = func() map[uint64]uint32 {
	m := make(map[uint64]uint32, logchain.PoolSize)
	for i, h := range logchain.Pool() {
		m[binary.BigEndian.Uint64(h[:8])] = uint32(i)
	}
	return m
}()

func (sc *studyChain) poolID(v []byte, addr bool) uint32 {
	i, ok := poolIndex[binary.BigEndian.Uint64(v[:8])]
	if !ok {
		panic(fmt.Sprintf("value %x is neither planted nor in the pool", v))
	}
	if addr {
		return i + logchain.PoolSize
	}
	return i
}

// value returns the bytes of id and whether it is an address.
func (sc *studyChain) value(id uint32) ([]byte, bool) {
	switch {
	case id < logchain.PoolSize:
		return sc.pool[id][:], false
	case id < 2*logchain.PoolSize:
		return sc.pool[id-logchain.PoolSize][:common.AddressLength], true
	}
	v := sc.planted[id-2*logchain.PoolSize]
	return v, len(v) == common.AddressLength
}

// blockValues appends block b's values (all, or only addresses or topics).
func (sc *studyChain) blockValues(dst [][]byte, b int, addresses, topics bool) [][]byte {
	for _, id := range sc.blocks[b] {
		v, addr := sc.value(id)
		if (addr && addresses) || (!addr && topics) {
			dst = append(dst, v)
		}
	}
	return dst
}

// sizer counts what a writer puts.
type sizer struct{ keys, values, puts int }

func (s *sizer) Put(k, v []byte) error {
	s.keys += len(k)
	s.values += len(v)
	s.puts++
	return nil
}

// exactList encodes a value's blocks in a section as delta varints: the
// value of one key "X" | hash (8) | section (8) | head (32) of the exact design.
const exactKeyLen = 1 + 8 + 8 + 32

func exactSection(sc *studyChain, s uint64, addresses, topics bool, out *sizer) {
	lists := map[uint64][]uint16{}
	var vals [][]byte
	for j := range logchain.SectionSize {
		b := int(s)*logchain.SectionSize + j
		vals = sc.blockValues(vals[:0], b, addresses, topics)
		for _, v := range vals {
			h := siphashStudy(v)
			l := lists[h]
			if len(l) == 0 || l[len(l)-1] != uint16(j) {
				lists[h] = append(l, uint16(j))
			}
		}
	}
	var buf []byte
	for _, l := range lists {
		buf = buf[:0]
		prev := uint16(0)
		for _, j := range l {
			buf = binary.AppendUvarint(buf, uint64(j-prev))
			prev = j
		}
		_ = out.Put(make([]byte, exactKeyLen), buf)
	}
}

// siphashStudy is a 64-bit hash of v for the exact design's keys (the
// positions of a Geometry with 2^16 bits and 4 probes carry 64 bits of it).
func siphashStudy(v []byte) uint64 {
	g := index.Geometry{Bits: 1 << 16, Probes: 4, Key: studyKey}
	var p [4]uint
	h := uint64(0)
	for _, x := range g.AppendPositions(p[:0], v) {
		h = h<<16 | uint64(x)
	}
	return h
}

// wideSection builds section s with the PreciseWriter.
func wideSection(tb testing.TB, w *index.PreciseWriter, sc *studyChain, s uint64, addresses, topics bool, out index.Putter) {
	w.Reset(s)
	var vals [][]byte
	for j := range uint(logchain.SectionSize) {
		vals = sc.blockValues(vals[:0], int(s)*logchain.SectionSize+int(j), addresses, topics)
		if err := w.AddBlock(j, vals); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Commit(out, [32]byte{byte(s)}); err != nil {
		tb.Fatal(err)
	}
}

// passRate measures a geometry's one-value pass rate: the share of (block,
// absent value) pairs whose positions are all set in the block's wide bloom,
// and the same for pairs of two absent values.
type passer interface {
	// pass reports whether block b passes value v.
	pass(b int, v []byte) bool
}

type wideBlocks struct {
	g     index.Geometry
	bloom [][]uint64
	pos   []uint
}

func newWideBlocks(sc *studyChain, g index.Geometry, addresses, topics bool) *wideBlocks {
	wb := &wideBlocks{g: g, bloom: make([][]uint64, len(sc.blocks))}
	var vals [][]byte
	for b := range sc.blocks {
		wb.bloom[b] = make([]uint64, g.Bits/64)
		vals = sc.blockValues(vals[:0], b, addresses, topics)
		for _, v := range vals {
			for _, p := range g.AppendPositions(wb.pos[:0], v) {
				wb.bloom[b][p/64] |= 1 << (p % 64)
			}
		}
	}
	return wb
}

func (wb *wideBlocks) pass(b int, v []byte) bool {
	wb.pos = wb.g.AppendPositions(wb.pos[:0], v)
	for _, p := range wb.pos {
		if wb.bloom[b][p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}

type headerBlocks struct{ blooms []types.Bloom }

func (h headerBlocks) pass(b int, v []byte) bool {
	return types.BloomLookup(h.blooms[b], new(bytesLookup).of(v))
}

type bytesLookup []byte

func (l *bytesLookup) of(v []byte) *bytesLookup { *l = v; return l }
func (l *bytesLookup) Bytes() []byte            { return *l }

// exactBlocks pass only blocks holding the value (64-bit hash collisions aside).
type exactBlocks struct{}

func (exactBlocks) pass(int, []byte) bool { return false } // only absent values are probed

type studyRow struct {
	chain, geometry           string
	bytesPerSection           float64
	ratio                     float64 // to the header bloom's bytes
	fpOne, fpPair             float64
	fpSparse, fpBusy, matches int     // false-positive candidates of the bench filters, true matches
	vectorsSparse             int     // vectors (or lists) read per section for the sparse filter
	expected                  float64 // (1-e^(-kn/m))^k for a wide bloom of all values
}

// absentValues returns n random 32-byte values no chain holds.
func absentValues(n int) [][]byte {
	rng := rand.New(rand.NewSource(7))
	out := make([][]byte, n)
	for i := range out {
		v := make([]byte, 32)
		rng.Read(v)
		out[i] = v
	}
	return out
}

func TestPrecisionStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("the precision study builds the bench chains' logs")
	}
	sections := studySections()
	absent := absentValues(200)
	var rows []studyRow
	for _, c := range logchain.Chains {
		sc := newStudyChain(c, sections)
		blocks := len(sc.blocks)
		n := sc.distinctPerBlock()
		t.Logf("%s: %.1f distinct values per block", c.Name, n)
		var headerBytes float64
		for _, g := range studyGeometries() {
			row := studyRow{chain: c.Name, geometry: g.name}
			var size sizer
			var addrPass, topicPass passer
			switch {
			case g.header:
				w, err := index.NewWriter(logchain.SectionSize)
				if err != nil {
					t.Fatal(err)
				}
				for s := range sections {
					w.Reset(s)
					for j := range uint(logchain.SectionSize) {
						if err := w.AddBloom(j, sc.blooms[int(s)*logchain.SectionSize+int(j)]); err != nil {
							t.Fatal(err)
						}
					}
					if err := w.Commit(&size, [32]byte{}); err != nil {
						t.Fatal(err)
					}
				}
				addrPass, topicPass = headerBlocks{sc.blooms}, headerBlocks{sc.blooms}
				row.vectorsSparse = 6
				row.expected = math.Pow(1-math.Exp(-3*n/2048), 3)
			case g.exact && g.wide.Bits != 0: // hybrid
				w, err := index.NewPreciseWriter(logchain.SectionSize, g.wide)
				if err != nil {
					t.Fatal(err)
				}
				for s := range sections {
					exactSection(sc, s, true, false, &size)
					wideSection(t, w, sc, s, false, true, &size)
				}
				addrPass, topicPass = exactBlocks{}, newWideBlocks(sc, g.wide, false, true)
				row.vectorsSparse = 1 + int(g.wide.Probes)
			case g.exact:
				for s := range sections {
					exactSection(sc, s, true, true, &size)
				}
				addrPass, topicPass = exactBlocks{}, exactBlocks{}
				row.vectorsSparse = 2
			default:
				w, err := index.NewPreciseWriter(logchain.SectionSize, g.wide)
				if err != nil {
					t.Fatal(err)
				}
				for s := range sections {
					wideSection(t, w, sc, s, true, true, &size)
				}
				wb := newWideBlocks(sc, g.wide, true, true)
				addrPass, topicPass = wb, wb
				row.vectorsSparse = 2 * int(g.wide.Probes)
				k, m := float64(g.wide.Probes), float64(g.wide.Bits)
				row.expected = math.Pow(1-math.Exp(-k*n/m), k)
			}
			row.bytesPerSection = float64(size.keys+size.values) / float64(sections)
			if g.header {
				headerBytes = row.bytesPerSection
			}
			row.ratio = row.bytesPerSection / headerBytes
			// One value: absent values as topics (as addresses for exact
			// lists, which pass nothing absent either way).
			var one, pair int
			for b := range blocks {
				for i, v := range absent {
					p := topicPass.pass(b, v)
					if p {
						one++
					}
					if i%2 == 1 && p && addrPass.pass(b, absent[i-1][:20]) {
						pair++
					}
				}
			}
			row.fpOne = float64(one) / float64(blocks*len(absent))
			row.fpPair = float64(pair) / float64(blocks*len(absent)/2)
			for b := range blocks {
				if sc.sparse[b] {
					row.matches++
				}
				passSparse := addrPass.pass(b, logchain.AddrSparse[:]) && topicPass.pass(b, logchain.TopicSparse[:])
				passBusy := addrPass.pass(b, logchain.AddrBusy[:]) && topicPass.pass(b, logchain.TopicBusy[:])
				if _, ok := addrPass.(exactBlocks); ok {
					// Exact lists pass the blocks holding the values.
					passSparse = hasAddr(sc, b, logchain.AddrSparse) && (topicPass.pass(b, logchain.TopicSparse[:]) || hasTopic(sc, b, logchain.TopicSparse))
					passBusy = hasAddr(sc, b, logchain.AddrBusy) && (topicPass.pass(b, logchain.TopicBusy[:]) || hasTopic(sc, b, logchain.TopicBusy))
				}
				if passSparse && !sc.sparse[b] {
					row.fpSparse++
				}
				if passBusy && !sc.busy[b] {
					row.fpBusy++
				}
				if sc.sparse[b] && !passSparse || sc.busy[b] && !passBusy {
					t.Fatalf("%s %s: block %d truly matches but does not pass", c.Name, g.name, b)
				}
			}
			rows = append(rows, row)
		}
	}
	t.Logf("%d sections per chain, %d absent values", sections, len(absent))
	t.Logf("| chain | geometry | bytes/section (keys+values) | × bloom-bit | FP one value (formula) | FP addr+topic | sparse FP candidates | busy FP candidates | sparse true matches | vectors/section (sparse filter) |")
	for _, r := range rows {
		t.Logf("| %s | %s | %.0f | %.2f | %.4f%% (%.4f%%) | %.5f%% | %d | %d | %d | %d |", r.chain, r.geometry, r.bytesPerSection, r.ratio,
			100*r.fpOne, 100*r.expected, 100*r.fpPair, r.fpSparse, r.fpBusy, r.matches, r.vectorsSparse)
	}
	// The chosen geometry must meet the targets on both chains: false
	// positives at most 1% of the bloom-bit index's, and at most 4x its size
	// on the dense chain; its measured one-value rate must agree with
	// (1-e^(-kn/m))^k within 30%.
	var header studyRow
	for _, r := range rows {
		switch r.geometry {
		case "header-2048x3":
			header = r
		case "wide-8192x3":
			if r.fpSparse > max(1, header.fpSparse/100) {
				t.Errorf("%s: %d sparse false positives, bloom-bit index %d", r.chain, r.fpSparse, header.fpSparse)
			}
			if r.chain == "dense" && r.ratio > 4 {
				t.Errorf("dense: the chosen geometry is %.2fx the bloom-bit index", r.ratio)
			}
			if math.Abs(r.fpOne-r.expected) > 0.3*r.expected {
				t.Errorf("%s: one-value rate %.4f%%, formula %.4f%%", r.chain, 100*r.fpOne, 100*r.expected)
			}
		}
	}
}

// distinctPerBlock is the mean number of distinct values per block.
func (sc *studyChain) distinctPerBlock() float64 {
	total := 0
	seen := map[uint32]bool{}
	for _, ids := range sc.blocks {
		clear(seen)
		for _, id := range ids {
			seen[id] = true
		}
		total += len(seen)
	}
	return float64(total) / float64(len(sc.blocks))
}

func hasValue(sc *studyChain, b int, v []byte) bool {
	for _, id := range sc.blocks[b] {
		if x, _ := sc.value(id); string(x) == string(v) {
			return true
		}
	}
	return false
}

func hasAddr(sc *studyChain, b int, a common.Address) bool { return hasValue(sc, b, a[:]) }
func hasTopic(sc *studyChain, b int, t common.Hash) bool   { return hasValue(sc, b, t[:]) }

// BenchmarkPreciseBuild times the build of one section from its blocks' log
// values (hashing, positions, rotation, compression, keys) into a counting
// Putter, per chain and geometry; the header row rotates and compresses the
// blocks' header blooms (a node has them; making them from the logs is not
// timed). Receipt reads are not included: bench/e2e's rows add them.
func BenchmarkPreciseBuild(b *testing.B) {
	for _, c := range logchain.Chains {
		sc := newStudyChain(c, 1)
		values := make([][][]byte, len(sc.blocks))
		for j := range values {
			values[j] = sc.blockValues(nil, j, true, true)
		}
		for _, g := range studyGeometries() {
			if g.exact {
				continue // a study design only, not built by the index package
			}
			b.Run(fmt.Sprintf("chain=%s/geometry=%s", c.Name, g.name), func(b *testing.B) {
				var commit func() error
				if g.header {
					w, err := index.NewWriter(logchain.SectionSize)
					if err != nil {
						b.Fatal(err)
					}
					commit = func() error {
						w.Reset(0)
						if err := w.AddBlooms(0, bloomArrays(sc.blooms)); err != nil {
							return err
						}
						return w.Commit(new(sizer), [32]byte{})
					}
				} else {
					w, err := index.NewPreciseWriter(logchain.SectionSize, g.wide)
					if err != nil {
						b.Fatal(err)
					}
					commit = func() error {
						w.Reset(0)
						for j, v := range values {
							if err := w.AddBlock(uint(j), v); err != nil {
								return err
							}
						}
						return w.Commit(new(sizer), [32]byte{})
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := commit(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func bloomArrays(blooms []types.Bloom) [][256]byte {
	out := make([][256]byte, len(blooms))
	for i, bl := range blooms {
		out[i] = bl
	}
	return out
}
