package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
)

// canonicalHeads stores in heads[i] the canonical head of section first+i: the
// hash of its last block, the head its vectors are stored under. It fails with
// an *Error naming the first section without one (its Bit is left to the
// caller).
func (r *Reader) canonicalHeads(ctx context.Context, sc *readScratch, first uint64, heads [][HashLength]byte) error {
	_, err := r.resolveHeads(ctx, sc, first, len(heads), heads)
	return err
}

// resolveHeads stores in buf the canonical heads of sections first.., at least
// n of them (n >= 1, n <= len(buf)), and returns the part of buf resolved: the
// n sections, and with them those up to len(buf) that it could confirm at no
// extra cost (the sections buf has room for past n are read ahead). It fails
// as canonicalHeads.
//
// It first tries the BloomIndexer's stored section heads, read with one
// iterator and confirmed by one canonical hash: the last one read's. The
// ChainIndexer indexes a section only as the continuation of the previous
// section's stored head (it checks every header's parent hash) and removes the
// stored heads past a reorg's common ancestor, so the stored heads form one
// chain; a block hash fixes all its ancestors, so if the last stored head read
// is canonical, so are the ones before it. If it is not (a reorg the indexer has
// not caught up with, past the n sections or within them), the n sections' last
// stored head is checked the same way, and failing that (or with heads not
// stored) each section's canonical hash is read. Either way, what it returns is
// the canonical chain as of one moment, except during a reorg's writes, where
// go-ethereum's reads see a mixture of both chains too.
func (r *Reader) resolveHeads(ctx context.Context, sc *readScratch, first uint64, n int, buf [][HashLength]byte) ([][HashLength]byte, error) {
	// No section past the last one whose blocks have numbers (checkRequest
	// has checked the n sections).
	for len(buf) > n && !r.hasBlocks(first+uint64(len(buf)-1)) {
		buf = buf[:len(buf)-1]
	}
	if r.iterate(len(buf), 1) { // the stored heads, confirmed by one canonical hash
		m := r.storedHeads(sc, first, buf)
		if m >= n && r.timedIsCanonical(sc, first+uint64(m-1), &buf[m-1]) {
			return buf[:m], nil
		}
		if m > n && r.timedIsCanonical(sc, first+uint64(n-1), &buf[n-1]) {
			return buf[:n], nil
		}
	}
	heads := buf[:n]
	start := r.now()
	for i := range heads {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := r.canonicalHead(sc, first+uint64(i), &heads[i]); err != nil {
			return nil, &Error{Section: first + uint64(i), Err: err}
		}
	}
	r.costs.pointsRead(n, r.now()-start)
	return heads, nil
}

// storedHeads reads the BloomIndexer's stored heads of sections
// first..first+len(heads)-1 into heads with one iterator, and returns how many
// of them, from first on, are stored (and well formed) and were read: 0 if the
// iterator fails.
func (r *Reader) storedHeads(sc *readScratch, first uint64, heads [][HashLength]byte) int {
	const p = len(sectionHeadPrefix)
	key := append(sc.skey[:0], sectionHeadPrefix...)
	key = binary.BigEndian.AppendUint64(key, first)
	start := r.now()
	it := r.db.iterate(key[:p:p], key[p:len(key):len(key)])
	if it == nil {
		return 0
	}
	defer it.Release()
	next, opened := 0, int64(0)
	for next < len(heads) && it.Next() {
		if next == 0 {
			opened = r.now()
		}
		k, v := it.Key(), it.Value()
		if len(k) != len(key) || len(v) != HashLength || !bytes.Equal(k[:p], key[:p]) ||
			binary.BigEndian.Uint64(k[p:]) != first+uint64(next) {
			break
		}
		copy(heads[next][:], v)
		next++
	}
	if it.Error() != nil {
		return 0
	}
	if next > 0 {
		r.costs.iterated(opened-start, r.now()-opened, next)
	}
	return next
}

// timedIsCanonical is isCanonical, timed as a point read: its Get keeps the
// point reads' cost measured while runs are read with iterators (costs.go).
func (r *Reader) timedIsCanonical(sc *readScratch, section uint64, head *[HashLength]byte) bool {
	start := r.now()
	ok := r.isCanonical(sc, section, head)
	r.costs.pointsRead(1, r.now()-start)
	return ok
}

// isCanonical reports whether head is the canonical head of section.
func (r *Reader) isCanonical(sc *readScratch, section uint64, head *[HashLength]byte) bool {
	var canonical [HashLength]byte
	return r.canonicalHead(sc, section, &canonical) == nil && canonical == *head
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
