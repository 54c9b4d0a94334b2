package index

import (
	"encoding/binary"
	"fmt"
)

// The database schema of the precise log index, beside go-ethereum's (none of
// its keys starts with "P" or "iP" in v1.14.13) and never touching the
// bloom-bit index. Numbers are big endian.
//
//	position vector  "P" | position (u16) | section (u64) | head (32 bytes)  → format byte | vector
//	section head     "iP" | "shead" | section (u64)                         → head (32 bytes)
//	geometry         "iP" | "meta"                                          → version | bits (u32) | probes (u8) | key (16 bytes)
//
// A position vector holds, for one of the Geometry's Bits positions, the bit of
// every block of the section: block section*sectionSize+j at byte j/8, mask
// 0x80>>(j%8), exactly as a bloom-bit vector. Its value starts with a format
// byte: preciseZero (the vector is all zero, nothing follows) or
// preciseCompressed (bitops.CompressBytes of the vector follows). Unlike a
// bloom-bit value, a stored value is never empty, so a missing key cannot pass
// for an all-zero vector.
//
// The head is the canonical hash of the section's last block when it was
// indexed, as in the bloom-bit keys. A section is covered by the precise index
// when its stored section head equals its canonical head: the Writer writes the
// section head after the section's vectors, in the same batch. Sections are
// written in any order (a backfill runs backwards from the head), so there is
// no section count. After a reorg, the keys of an old head stay until
// overwritten, and are never read.
//
// A node that runs the precise writer under a go-ethereum ChainIndexer gives
// the indexer its own progress table, "iPc" (count and heads as for "iB"):
// bench/internal/e2e/preciseindexer.go. Those keys are the ChainIndexer's;
// coverage is read from "iP" | "shead" only.
//
// The geometry record is written once, when the index is created; the Reader
// takes the geometry (and so the hash key) from it. Version
// PreciseSchemaVersion is the only one defined.
const (
	// PreciseKeyLen is the length of a position-vector key.
	PreciseKeyLen = 1 + 2 + 8 + HashLength
	// PreciseSchemaVersion is the version byte of the geometry record.
	PreciseSchemaVersion = 1
	// preciseMetaLen is the length of the geometry record.
	preciseMetaLen = 1 + 4 + 1 + 16
)

const (
	precisePrefix              = 'P'
	preciseIndexPrefix         = "iP"
	preciseSectionHeadKey      = preciseIndexPrefix + "shead"
	preciseMetaKey             = preciseIndexPrefix + "meta"
	preciseZero           byte = 0
	preciseCompressed     byte = 1
)

// PreciseKey returns the key of position's vector of section indexed under
// head: "P" | position u16 | section u64 | head.
func PreciseKey(position uint, section uint64, head [32]byte) []byte {
	return appendPreciseKey(make([]byte, 0, PreciseKeyLen), position, section, head)
}

func appendPreciseKey(dst []byte, position uint, section uint64, head [32]byte) []byte {
	dst = append(dst, precisePrefix)
	dst = binary.BigEndian.AppendUint16(dst, uint16(position))
	dst = binary.BigEndian.AppendUint64(dst, section)
	return append(dst, head[:]...)
}

// PreciseSectionHeadKey returns the key of the head section was indexed under
// by the precise Writer: "iP" | "shead" | section u64.
func PreciseSectionHeadKey(section uint64) []byte {
	key := make([]byte, 0, len(preciseSectionHeadKey)+8)
	key = append(key, preciseSectionHeadKey...)
	return binary.BigEndian.AppendUint64(key, section)
}

// PreciseMetaKey returns the key of the precise index's geometry record.
func PreciseMetaKey() []byte { return []byte(preciseMetaKey) }

// EncodePreciseMeta returns the geometry record of g.
func EncodePreciseMeta(g Geometry) []byte {
	v := make([]byte, 0, preciseMetaLen)
	v = append(v, PreciseSchemaVersion)
	v = binary.BigEndian.AppendUint32(v, g.Bits)
	v = append(v, byte(g.Probes))
	return append(v, g.Key[:]...)
}

// DecodePreciseMeta parses a geometry record; a record of another length or
// version, or of an invalid geometry, is an error wrapping ErrCorrupt.
func DecodePreciseMeta(v []byte) (Geometry, error) {
	var g Geometry
	switch {
	case len(v) != preciseMetaLen:
		return g, fmt.Errorf("index: precise geometry record: %w: %d bytes, want %d", ErrCorrupt, len(v), preciseMetaLen)
	case v[0] != PreciseSchemaVersion:
		return g, fmt.Errorf("index: precise geometry record: %w: version %d, want %d", ErrCorrupt, v[0], PreciseSchemaVersion)
	}
	g.Bits = binary.BigEndian.Uint32(v[1:])
	g.Probes = uint32(v[5])
	copy(g.Key[:], v[6:])
	if err := g.Check(); err != nil {
		return Geometry{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return g, nil
}

// WritePreciseMeta writes the geometry record of g, once, when the precise
// index is created.
func WritePreciseMeta(db Putter, g Geometry) error {
	if err := g.Check(); err != nil {
		return err
	}
	return db.Put(PreciseMetaKey(), EncodePreciseMeta(g))
}
