package index

import (
	"context"
	"encoding/binary"
	"fmt"
)

// canonicalHeads stores in heads[i] the canonical head of section first+i: the
// hash of its last block, the head its vectors are stored under. It fails with
// an *Error naming the first section without one (its Bit is left to the
// caller).
//
// For a run of sections, it first tries the BloomIndexer's stored section heads,
// read with one iterator and confirmed by one canonical hash: the run's last
// section's. The ChainIndexer indexes a section only as the continuation of the
// previous section's stored head (it checks every header's parent hash) and
// removes the stored heads past a reorg's common ancestor, so the stored heads
// form one chain; a block hash fixes all its ancestors, so if the last stored
// head of the run is canonical, so are the ones before it. Otherwise (heads not
// stored, or the last one not canonical: a reorg the indexer has not caught up
// with), each section's canonical hash is read. Either way, what it returns is
// the canonical chain as of one moment, except during a reorg's writes, where
// go-ethereum's reads see a mixture of both chains too.
func (r *Reader) canonicalHeads(ctx context.Context, sc *readScratch, first uint64, heads [][HashLength]byte) error {
	n := uint64(len(heads))
	if n >= 2 && r.storedHeads(sc, first, heads) {
		var last [HashLength]byte
		if r.canonicalHead(sc, first+n-1, &last) == nil && last == heads[n-1] {
			return nil
		}
	}
	for i := range heads {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := r.canonicalHead(sc, first+uint64(i), &heads[i]); err != nil {
			return &Error{Section: first + uint64(i), Err: err}
		}
	}
	return nil
}

// storedHeads reads the BloomIndexer's stored heads of sections
// first..first+len(heads)-1 into heads with one iterator, and reports whether
// every one of them is stored (and well formed).
func (r *Reader) storedHeads(sc *readScratch, first uint64, heads [][HashLength]byte) bool {
	const p = len(sectionHeadPrefix)
	key := append(sc.skey[:0], sectionHeadPrefix...)
	key = binary.BigEndian.AppendUint64(key, first)
	it := r.db.iterate(key[:p:p], key[p:len(key):len(key)])
	if it == nil {
		return false
	}
	defer it.Release()
	next := 0
	for next < len(heads) && it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != len(key) || len(v) != HashLength || binary.BigEndian.Uint64(k[p:]) != first+uint64(next) {
			return false
		}
		copy(heads[next][:], v)
		next++
	}
	return next == len(heads) && it.Error() == nil
}

// canonicalHead stores the canonical hash of section's last block in head.
func (r *Reader) canonicalHead(sc *readScratch, section uint64, head *[HashLength]byte) error {
	number := (section+1)*r.sectionSize - 1
	var v []byte
	if r.ancient != nil {
		v, _ = r.ancient.Ancient(CanonicalHashTable, number)
	}
	var err error
	if len(v) == 0 {
		v, err = r.db.Get(appendCanonicalHashKey(sc.hkey[:0], number))
	}
	switch {
	case err != nil:
		return fmt.Errorf("%w: reading the canonical hash of block %d: %w", ErrNoSection, number, err)
	case len(v) == 0:
		return fmt.Errorf("%w: no canonical hash of block %d", ErrNoSection, number)
	case len(v) != HashLength:
		return fmt.Errorf("%w: canonical hash of block %d has %d bytes", ErrCorrupt, number, len(v))
	}
	copy(head[:], v)
	return nil
}
