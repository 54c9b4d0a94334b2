// bloomsimd's full eth_getLogs benchmark, added to go-ethereum's eth/filters
// by bloomsimd's scripts/gethcopy.sh (run: scripts/gethcopy.sh bench).
//
// Each query runs through eth/filters (FilterSystem.NewRangeFilter(...).Logs)
// in the three configurations of the end-to-end test (impl=geth, dropin, scan)
// on a Pebble chain of benchSections sections plus an unindexed tail of
// benchTail blocks. The chain's headers, bodies and receipts are written with
// rawdb directly: every block carries one receipt of noise logs drawn from a
// pool, so that its bloom is benchChain.density set and consistent with its
// receipts, plus the planted logs the filters look for. The chains are built
// once into $BLOOMSIMD_GETH_BENCH_DIR (a temporary directory if unset) and
// reused while their parameters are unchanged.
//
// Metrics per query: matches (blocks with true matches), fp-candidates
// (candidate blocks whose receipts hold no match), and the time split into
// receipts-ms (the header, receipt and body reads of the candidates), tail-ms
// (the unindexed tail: a header read and bloom check per block, without its
// receipt reads) and bloom-ms, the rest: the bloom stage (index reads and
// matching) and eth/filters' own work per query and per candidate. Where the
// matcher runs ahead of the receipt reads (many candidates), the part of the
// bloom stage that overlaps them is not in bloom-ms.

package filters

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/index"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/pebble"
	"github.com/ethereum/go-ethereum/rpc"
)

const (
	benchTail     = 2000      // unindexed blocks after the indexed sections
	benchPoolSize = 1 << 16   // distinct noise addresses and topics
	benchVersion  = "bench-2" // bump when the chain's contents change
)

// benchSections is the chain length in sections (BLOOMSIMD_GETH_BENCH_SECTIONS,
// 256 by default, as the issue asks).
func benchSections() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("BLOOMSIMD_GETH_BENCH_SECTIONS"), 10, 64); err == nil && s > 0 {
		return s
	}
	return 256
}

// benchChain: density is the share of bloom bits set, from clauses noise
// addresses and topics per block (a log is an address and 3 topics).
type benchChain struct {
	name    string
	clauses int
}

var benchChains = []benchChain{
	{"moderate", 152}, // about 20% of bloom bits set, as the Görli-era blooms
	{"dense", 420},    // about 46%, as mainnet since 2020
}

// The filters' addresses and topics. addrBusy logs in every 100th block;
// addrSparse with topicSparse only in the sparseBlocks, and each of them alone
// (with other topics, or under other addresses) now and then, so that the
// sparse filter's AND matters.
var (
	addrBusy    = common.HexToAddress("0xb0b0")
	topicBusy   = common.HexToHash("0xb0b0")
	addrSparse  = common.HexToAddress("0x5a5a")
	topicSparse = common.HexToHash("0x5a5a")
	addrOther   = common.HexToAddress("0x0707")
	topicOther  = common.HexToHash("0x0707")
)

// sparseBlocks are the blocks where the sparse filter truly matches: spread
// over the indexed sections, some in the last 10,000 blocks and the tail.
func sparseBlocks(head uint64) map[uint64]bool {
	m := map[uint64]bool{}
	for i := uint64(1); i <= 12; i++ {
		m[i*(head-12000)/13] = true
	}
	for _, back := range []uint64{9000, 5000, 2500, 1500, 700, 10} {
		m[head-back] = true
	}
	return m
}

// plantedLogs are the logs block number carries besides the noise.
func plantedLogs(number uint64, sparse map[uint64]bool) []*types.Log {
	var logs []*types.Log
	if number%100 == 0 {
		logs = append(logs, &types.Log{Address: addrBusy, Topics: []common.Hash{topicBusy}})
	}
	if sparse[number] {
		logs = append(logs, &types.Log{Address: addrSparse, Topics: []common.Hash{topicSparse}})
	}
	if number%997 == 0 {
		logs = append(logs, &types.Log{Address: addrSparse, Topics: []common.Hash{topicOther}})
	}
	if number%1009 == 0 {
		logs = append(logs, &types.Log{Address: addrOther, Topics: []common.Hash{topicSparse}})
	}
	return logs
}

// bloomPool holds the noise addresses and topics with their bloom bits.
type bloomPool struct {
	values [benchPoolSize]common.Hash // an address is the first 20 bytes
	abits  [benchPoolSize][3]uint16   // bloom bits of the address
	tbits  [benchPoolSize][3]uint16   // bloom bits of the topic
}

func bloomBitsOf(data []byte) (b [3]uint16) {
	h := crypto.Keccak256(data)
	for i := range b {
		b[i] = (uint16(h[2*i])<<8 | uint16(h[2*i+1])) & 2047
	}
	return b
}

func newBloomPool() *bloomPool {
	p := new(bloomPool)
	for i := range p.values {
		p.values[i] = sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bloomsimd noise"), uint64(i)))
		p.abits[i] = bloomBitsOf(p.values[i][:common.AddressLength])
		p.tbits[i] = bloomBitsOf(p.values[i][:])
	}
	return p
}

func setBloomBits(bloom *types.Bloom, b [3]uint16) {
	for _, bit := range b {
		bloom[types.BloomByteLength-1-bit/8] |= 1 << (bit % 8)
	}
}

// openBenchChain opens the chain, building it first unless a complete one
// with the same parameters is on disk.
func openBenchChain(b *testing.B, spec benchChain, sections uint64) (ethdb.Database, uint64) {
	root := os.Getenv("BLOOMSIMD_GETH_BENCH_DIR")
	if root == "" {
		root = b.TempDir()
	}
	id := fmt.Sprintf("%s-%s-%d-%d-%d", benchVersion, spec.name, spec.clauses, sections, benchTail)
	dir := filepath.Join(root, id)
	head := sections*e2eSectionSize + benchTail - 1
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		db := openPebble(b, dir)
		buildBenchChain(b, db, spec, sections, head)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(done, []byte(id+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("built chain %s in %v", id, time.Since(start))
	}
	db := openPebble(b, dir)
	b.Cleanup(func() { db.Close() })
	storeIndexerProgress(b, db, sections)
	return db, head
}

func openPebble(b *testing.B, dir string) ethdb.Database {
	kv, err := pebble.New(dir, 256, 512, "", false)
	if err != nil {
		b.Fatal(err)
	}
	return rawdb.NewDatabase(kv)
}

// buildBenchChain writes blocks 0..head (headers, canonical hashes, bodies of
// one transaction, receipts) and the bloom-bit index of the full sections.
func buildBenchChain(b *testing.B, db ethdb.Database, spec benchChain, sections, head uint64) {
	pool := newBloomPool()
	rng := rand.New(rand.NewSource(int64(spec.clauses)))
	sparse := sparseBlocks(head)
	writer, err := index.NewWriter(e2eSectionSize)
	if err != nil {
		b.Fatal(err)
	}
	batch := db.NewBatch()
	flush := func(force bool) {
		if force || batch.ValueSize() > 64<<20 {
			if err := batch.Write(); err != nil {
				b.Fatal(err)
			}
			batch.Reset()
		}
	}
	var parent common.Hash
	var setBits, checked int
	for number := uint64(0); number <= head; number++ {
		header := &types.Header{ParentHash: parent, Number: new(big.Int).SetUint64(number), Difficulty: new(big.Int),
			GasLimit: 30_000_000, GasUsed: 21000, Time: number}
		var logs []*types.Log
		if number > 0 {
			for range spec.clauses / 4 {
				i := rng.Intn(benchPoolSize)
				l := &types.Log{Address: common.Address(pool.values[i][:common.AddressLength])}
				setBloomBits(&header.Bloom, pool.abits[i])
				for range 3 {
					j := rng.Intn(benchPoolSize)
					l.Topics = append(l.Topics, pool.values[j])
					setBloomBits(&header.Bloom, pool.tbits[j])
				}
				logs = append(logs, l)
			}
			logs = append(logs, plantedLogs(number, sparse)...)
		}
		receipt := &types.Receipt{Status: types.ReceiptStatusSuccessful, CumulativeGasUsed: 21000, Logs: logs}
		receipts := types.Receipts{receipt}
		for _, l := range plantedLogs(number, sparse) {
			setBloomBits(&header.Bloom, bloomBitsOf(l.Address[:]))
			for _, t := range l.Topics {
				setBloomBits(&header.Bloom, bloomBitsOf(t[:]))
			}
		}
		// The header's bloom must be the receipts' bloom: check a sample.
		if number%9973 == 1 {
			if types.CreateBloom(receipts) != header.Bloom {
				b.Fatalf("block %d: header bloom differs from its receipts' bloom", number)
			}
			checked++
		}
		for _, x := range header.Bloom {
			setBits += bits.OnesCount8(x)
		}
		tx := types.NewTransaction(number, common.Address{1}, new(big.Int), 21000, new(big.Int), nil)
		hash := header.Hash()
		rawdb.WriteHeader(batch, header)
		rawdb.WriteCanonicalHash(batch, hash, number)
		rawdb.WriteBody(batch, hash, number, &types.Body{Transactions: types.Transactions{tx}})
		rawdb.WriteReceipts(batch, hash, number, receipts)
		parent = hash

		section, i := number/e2eSectionSize, uint(number%e2eSectionSize)
		if section < sections {
			if i == 0 {
				writer.Reset(section)
			}
			if err := writer.AddBloom(i, header.Bloom); err != nil {
				b.Fatal(err)
			}
			if i == e2eSectionSize-1 {
				if err := writer.Commit(batch, hash); err != nil {
					b.Fatal(err)
				}
			}
		}
		flush(false)
	}
	rawdb.WriteHeadBlockHash(batch, parent)
	rawdb.WriteHeadHeaderHash(batch, parent)
	flush(true)
	b.Logf("chain %s: %d blocks, %.1f%% of bloom bits set, %d blooms checked against their receipts",
		spec.name, head+1, 100*float64(setBits)/float64((head+1)*types.BloomBitLength), checked)
}

// benchFilters are the node benchmarks' filters: a rare address and topic,
// and a busy address.
var benchFilters = []struct {
	name   string
	addrs  []common.Address
	topics [][]common.Hash
}{
	{"sparse", []common.Address{addrSparse}, [][]common.Hash{{topicSparse}}},
	{"busy", []common.Address{addrBusy}, nil},
}

// openBenchIndex is openBenchChain with the index Reader over its bloom bits.
func openBenchIndex(b *testing.B, spec benchChain, sections uint64) (ethdb.Database, uint64, *index.Reader) {
	db, head := openBenchChain(b, spec, sections)
	reader, err := index.NewReader(db, e2eSectionSize)
	if err != nil {
		b.Fatal(err)
	}
	return db, head, reader
}

// benchRange is a node benchmark's block range.
type benchRange struct {
	name       string
	begin, end int64
}

// benchRanges are the node benchmarks' ranges on a chain whose head is head:
// the full history and the last 10,000 blocks.
func benchRanges(head uint64) []benchRange {
	return []benchRange{
		{"full", 0, rpc.LatestBlockNumber.Int64()},
		{"last10k", int64(head) - 9999, rpc.LatestBlockNumber.Int64()},
	}
}

// BenchmarkBloomSIMDGetLogs: full eth_getLogs, go-ethereum as shipped against
// the drop-in path and the Scan path, per chain, filter and range.
func BenchmarkBloomSIMDGetLogs(b *testing.B) {
	sections := benchSections()
	filters := benchFilters
	for _, spec := range benchChains {
		b.Run("chain="+spec.name, func(b *testing.B) {
			db, head, reader := openBenchIndex(b, spec, sections)
			configs := newConfigs(b, db, func() uint64 { return sections }, reader)
			ranges := benchRanges(head)
			for _, f := range filters {
				for _, r := range ranges {
					if spec.name == "dense" && f.name == "busy" && r.name == "full" {
						continue // 100k false-positive receipt reads per query: minutes per run
					}
					want := -1 // logs of the first configuration
					for _, c := range configs {
						b.Run(fmt.Sprintf("filter=%s/range=%s/impl=%s", f.name, r.name, c.name), func(b *testing.B) {
							clock := new(queryClock)
							c.backend.clock = clock
							defer func() { c.backend.clock = nil }()
							timeQuery(b, clock, sections*e2eSectionSize, &want, func() ([]*types.Log, error) {
								return c.logs(context.Background(), r.begin, r.end, f.addrs, f.topics)
							})
						})
					}
				}
			}
		})
	}
}

// timeQuery runs query b.N times with clock reset to indexedEnd (the first block
// the node reads header by header), checks that it returns as many logs as the
// first configuration (*want, -1 before it ran), and reports the matching blocks,
// the false-positive candidates and the time split per query.
func timeQuery(b *testing.B, clock *queryClock, indexedEnd uint64, want *int, query func() ([]*types.Log, error)) {
	var bloom, tail, receipts time.Duration
	var logs []*types.Log
	var err error
	for i := 0; i < b.N; i++ {
		clock.reset(indexedEnd)
		if logs, err = query(); err != nil {
			b.Fatal(err)
		}
		bl, tl, rc := clock.split()
		bloom, tail, receipts = bloom+bl, tail+tl, receipts+rc
	}
	if *want == -1 {
		*want = len(logs)
	} else if len(logs) != *want {
		b.Fatalf("%d logs, the first configuration returned %d", len(logs), *want)
	}
	blocks := map[uint64]bool{}
	for _, l := range logs {
		blocks[l.BlockNumber] = true
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(blocks)), "matches")
	b.ReportMetric(float64(clock.candidates-len(blocks)), "fp-candidates")
	b.ReportMetric(float64(bloom.Microseconds())/1000/n, "bloom-ms")
	b.ReportMetric(float64(tail.Microseconds())/1000/n, "tail-ms")
	b.ReportMetric(float64(receipts.Microseconds())/1000/n, "receipts-ms")
}
