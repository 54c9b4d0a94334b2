package index

import (
	"encoding/binary"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// The database schema of go-ethereum v1.14.13's bloom-bit index
// (core/rawdb/schema.go, core/chain_indexer.go, core/bloom_indexer.go). Numbers
// are big endian.
//
//	bloom bits       "B" | bit (u16) | section (u64) | head (32 bytes)  → compressed vector
//	canonical hash   "h" | number (u64) | "n"                           → block hash (32 bytes)
//	section count    "iB" | "count"                                     → sections (u64)
//	section head     "iB" | "shead" | section (u64)                     → head (32 bytes)
//
// A bloom-bits value is bitops.CompressBytes of the bit's vector over the
// section: sectionSize/8 bytes, block section*sectionSize+j at byte j/8, mask
// 0x80>>(j%8). An all-zero vector is stored as an empty value. The head in the
// key is the canonical hash of the section's last block, (section+1)*sectionSize-1,
// when the section was indexed: after a reorg, keys of several heads for one
// section may coexist, and only those of the current canonical head are valid.
//
// The section count and heads are the BloomIndexer's ChainIndexer progress
// (rawdb.BloomBitsIndexPrefix table): the number of sections indexed and the
// head each was indexed under. The ChainIndexer rolls them back on a reorg.
//
// On a node with a freezer, the canonical hashes of frozen blocks live in the
// ancient store's CanonicalHashTable, not under "h" | number | "n": Reader reads
// both, as rawdb.ReadCanonicalHash does.
const (
	// BloomBitsKeyLen is the length of a bloom-bits key.
	BloomBitsKeyLen = 1 + 2 + 8 + HashLength
	// CanonicalHashKeyLen is the length of a canonical-hash key.
	CanonicalHashKeyLen = 1 + 8 + 1
	// HashLength is the length of a block hash.
	HashLength = 32
	// CanonicalHashTable is the freezer table of canonical hashes by block number
	// (rawdb.ChainFreezerHashTable).
	CanonicalHashTable = "hashes"
	// BloomBits is the number of bits of a bloom, and of vectors in a section.
	BloomBits = rotate.BloomBitLength
)

// Key prefixes and suffixes of the schema.
const (
	bloomBitsPrefix       = 'B'
	headerPrefix          = 'h'
	headerHashSuffix      = 'n'
	bloomBitsIndexPrefix  = "iB"
	sectionCountKey       = bloomBitsIndexPrefix + "count"
	sectionHeadPrefix     = bloomBitsIndexPrefix + "shead"
	bloomBitsPrefixLength = 3 // "B" | bit: the prefix of one bit's keys
)

// BloomBitsKey returns the key of bit's vector for section, indexed under head:
// "B" | bit u16 | section u64 | head (rawdb's bloomBitsKey). Only the low 16 bits
// of bit are stored, as go-ethereum does.
func BloomBitsKey(bit uint, section uint64, head [32]byte) []byte {
	return appendBloomBitsKey(make([]byte, 0, BloomBitsKeyLen), bit, section, head)
}

func appendBloomBitsKey(dst []byte, bit uint, section uint64, head [32]byte) []byte {
	dst = append(dst, bloomBitsPrefix)
	dst = binary.BigEndian.AppendUint16(dst, uint16(bit))
	dst = binary.BigEndian.AppendUint64(dst, section)
	return append(dst, head[:]...)
}

// CanonicalHashKey returns the key of the canonical hash of block number:
// "h" | number u64 | "n" (rawdb's headerHashKey).
func CanonicalHashKey(number uint64) []byte {
	return appendCanonicalHashKey(make([]byte, 0, CanonicalHashKeyLen), number)
}

func appendCanonicalHashKey(dst []byte, number uint64) []byte {
	dst = append(dst, headerPrefix)
	dst = binary.BigEndian.AppendUint64(dst, number)
	return append(dst, headerHashSuffix)
}

// SectionCountKey returns the key of the BloomIndexer's stored section count,
// "iB" | "count" (its ChainIndexer's table); the value is a u64.
func SectionCountKey() []byte { return []byte(sectionCountKey) }

// SectionHeadKey returns the key of the head the BloomIndexer indexed section
// under, "iB" | "shead" | section u64; the value is the 32-byte hash.
func SectionHeadKey(section uint64) []byte {
	key := make([]byte, 0, len(sectionHeadPrefix)+8)
	key = append(key, sectionHeadPrefix...)
	return binary.BigEndian.AppendUint64(key, section)
}
