package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// OurScanQuery runs the bloom stage with our Matcher's Scan over src, appending
// the matching blocks of [begin, end] to dst.
func OurScanQuery(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	m := matcher.NewMatcher(SectionSize, filters)
	err := m.Scan(ctx, begin, end, src, func(n uint64) bool {
		dst = append(dst, n)
		return true
	})
	return dst, err
}

// Source is a matcher.Source over a node database's bloom-bit index: each
// Bitsets call reads a bit's run of sections with one iterator.
type Source struct {
	db ethdb.Database
	// heads[s] is section s's canonical head: the hash in the keys to read (a
	// reorg can leave keys of other heads behind).
	heads []common.Hash
}

// NewSource returns a Source over the first sections indexed in db, reading
// their canonical heads once.
func NewSource(db ethdb.Database, sections uint64) (*Source, error) {
	heads := make([]common.Hash, sections)
	for s := range heads {
		heads[s] = rawdb.ReadCanonicalHash(db, (uint64(s)+1)*SectionSize-1)
		if heads[s] == (common.Hash{}) {
			return nil, fmt.Errorf("e2e: section %d has no canonical head", s)
		}
	}
	return &Source{db: db, heads: heads}, nil
}

// Heads returns the section heads the Source reads.
func (s *Source) Heads() []common.Hash { return s.heads }

// bloomBitsKeyLen is the length of a bloom-bits key: "B" | bit (uint16 BE) |
// section (uint64 BE) | head hash.
const bloomBitsKeyLen = 1 + 2 + 8 + common.HashLength

// Bitsets implements matcher.Source.
func (s *Source) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	n := uint64(len(dst))
	switch {
	case bit >= 2048:
		return fmt.Errorf("e2e: bloom bit %d out of range", bit)
	case first >= uint64(len(s.heads)) || n > uint64(len(s.heads))-first:
		return fmt.Errorf("e2e: sections %d..%d are not all indexed (%d sections)", first, first+n-1, len(s.heads))
	case n == 0:
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	prefix := []byte{'B', byte(bit >> 8), byte(bit)}
	start := binary.BigEndian.AppendUint64(nil, first)
	it := s.db.NewIterator(prefix, start)
	defer it.Release()
	found := uint64(0)
	for it.Next() {
		key := it.Key()
		if len(key) != bloomBitsKeyLen {
			continue
		}
		section := binary.BigEndian.Uint64(key[3:])
		if section >= first+n {
			break
		}
		if !bytes.Equal(key[11:], s.heads[section][:]) {
			continue // a section of a chain no longer canonical
		}
		if err := bitops.DecompressInto(dst[section-first], it.Value()); err != nil {
			return fmt.Errorf("e2e: bloom bit %d, section %d: %w", bit, section, err)
		}
		found++
	}
	if err := it.Error(); err != nil {
		return err
	}
	if found != n {
		return errors.New("e2e: " + s.missing(bit, first, n))
	}
	return nil
}

// missing names the first section of first..first+n-1 without bit's vector.
func (s *Source) missing(bit uint, first, n uint64) string {
	for sec := first; sec < first+n; sec++ {
		if ok, _ := s.db.Has(BloomBitsKey(bit, sec, s.heads[sec])); !ok {
			return fmt.Sprintf("no bloom bits for bit %d, section %d", bit, sec)
		}
	}
	return fmt.Sprintf("bloom bits for bit %d, sections %d..%d incomplete", bit, first, first+n-1)
}

// BloomBitsKey is rawdb's key of a bloom-bits vector.
func BloomBitsKey(bit uint, section uint64, head common.Hash) []byte {
	key := make([]byte, 0, bloomBitsKeyLen)
	key = append(key, 'B', byte(bit>>8), byte(bit))
	key = binary.BigEndian.AppendUint64(key, section)
	return append(key, head[:]...)
}
