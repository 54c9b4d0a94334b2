package index

import (
	"errors"
	"fmt"
	"io"
)

// OpenPreciseReader returns the reader of db's precise index, creating the
// index first if db has none: DefaultGeometry under a key of 16 bytes read
// from random (crypto/rand.Reader in a node), stored in db's geometry record
// (PreciseMetaKey). The key is made once per index and read back from there on
// every later open (a restart), never chosen again: the stored sections are
// hashed under it. A random key keeps the positions of a value unknown outside
// the node, so no one can craft log values that pass every query. created
// reports whether this call made the index.
func OpenPreciseReader[I Iterator, D interface {
	Database[I]
	Putter
}](db D, sectionSize uint64, random io.Reader) (r *PreciseReader, created bool, err error) {
	r, err = NewPreciseReader[I, D](db, sectionSize)
	if !errors.Is(err, ErrNoPreciseIndex) {
		return r, false, err
	}
	var key [16]byte
	if _, err := io.ReadFull(random, key[:]); err != nil {
		return nil, false, fmt.Errorf("index: precise index key: %w", err)
	}
	if err := WritePreciseMeta(db, DefaultGeometry(key)); err != nil {
		return nil, false, fmt.Errorf("index: precise index geometry record: %w", err)
	}
	r, err = NewPreciseReader[I, D](db, sectionSize)
	return r, err == nil, err
}
