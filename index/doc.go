// Package index reads and writes the bloom-bit index of a node's key-value store,
// in go-ethereum's on-disk format (v1.14.13, byte for byte), without importing
// go-ethereum.
//
// A node's BloomIndexer stores, for every section of sectionSize blocks and every
// one of the 2048 bloom bits, the compressed vector of that bit over the
// section's blocks (bitops.CompressBytes of a rotate.Generator Bitset), under a
// key naming the bit, the section and the hash of the section's last block (its
// head). The schema is in schema.go.
//
// Reader is a scheduler.Source over such a store, for matcher.Matcher.Scan: it
// reads a bit's run of sections with one iterator or a point read per section,
// whichever it measures cheaper on the store, straight into Scan's buffers, and
// only from the keys of the sections' canonical heads. Writer indexes one
// section into anything with a Put method (an ethdb.Batch), writing the keys and
// values go-ethereum's BloomIndexer writes.
//
// go-ethereum's ethdb.Database, and a fork's own ethdb with the same methods,
// plug into NewReader as they are: Go infers the iterator type from the
// database's NewIterator method.
package index
