package index

// Iterator is a key-value store's iterator, as ethdb.Iterator: Key and Value are
// valid until the next call to Next.
type Iterator interface {
	Next() bool
	Error() error
	Key() []byte
	Value() []byte
	Release()
}

// Database is what Reader needs of a key-value store: point reads and prefix
// iteration, as ethdb.KeyValueReader and ethdb.Iteratee. Its iterator type is a
// type parameter so that a store whose NewIterator returns its own named
// iterator type (ethdb.Iterator, or a fork's) satisfies it as it is.
//
// NewIterator(prefix, start) iterates, in ascending key order, the keys with
// prefix that are at least prefix+start. Get fails (with any error) or returns
// an empty value for a missing key.
type Database[I Iterator] interface {
	Get(key []byte) ([]byte, error)
	NewIterator(prefix, start []byte) I
}

// Putter is what Writer.Commit writes into: an ethdb.Batch, or any
// ethdb.KeyValueWriter.
type Putter interface {
	Put(key, value []byte) error
}

// ancientReader is the part of ethdb.AncientReaderOp that reads the freezer,
// where a node keeps the canonical hashes of old blocks.
type ancientReader interface {
	Ancient(kind string, number uint64) ([]byte, error)
}

// store is a Database with its iterator type erased, so that Reader need not be
// generic.
type store interface {
	Get(key []byte) ([]byte, error)
	iterate(prefix, start []byte) Iterator
}

type typedStore[I Iterator, D Database[I]] struct{ db D }

func (s typedStore[I, D]) Get(key []byte) ([]byte, error) { return s.db.Get(key) }

func (s typedStore[I, D]) iterate(prefix, start []byte) Iterator {
	return s.db.NewIterator(prefix, start)
}
