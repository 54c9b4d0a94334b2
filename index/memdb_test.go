package index

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// memDB is an in-memory key-value store with ethdb's semantics: Get of a
// missing key fails, NewIterator(prefix, start) walks a snapshot of the keys
// with prefix from prefix+start in order. Hooks let tests inject failures.
type memDB struct {
	mu     sync.RWMutex
	vals   map[string][]byte // a value's slice is never written
	sorted []entry           // the entries in key order, when !dirty
	dirty  bool

	gets      atomic.Int64
	iterators atomic.Int64
	onGet     func(key []byte) // called before each Get, if set
	iterErr   error            // returned by every iterator's Error, if set
	reuse     *memIter         // if set, NewIterator reinitialises and returns it
	// reuseValues makes iterators return each value in one buffer that the next
	// Value overwrites, as Pebble's and LevelDB's do.
	reuseValues bool
}

type entry struct{ key, val []byte }

var errNotFound = errors.New("memdb: not found")

func newMemDB() *memDB { return &memDB{vals: map[string][]byte{}} }

func (db *memDB) Put(key, value []byte) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.vals[string(key)] = bytes.Clone(value)
	db.dirty = true
	return nil
}

func (db *memDB) Delete(key []byte) {
	db.mu.Lock()
	defer db.mu.Unlock()
	delete(db.vals, string(key))
	db.dirty = true
}

func (db *memDB) Get(key []byte) ([]byte, error) {
	db.gets.Add(1)
	if db.onGet != nil {
		db.onGet(key)
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if v, ok := db.vals[string(key)]; ok {
		return v, nil
	}
	return nil, errNotFound
}

// entries returns the entries in key order, sorting them after a write.
func (db *memDB) entries() []entry {
	db.mu.RLock()
	if !db.dirty {
		defer db.mu.RUnlock()
		return db.sorted
	}
	db.mu.RUnlock()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.dirty {
		sorted := make([]entry, 0, len(db.vals))
		for k, v := range db.vals {
			sorted = append(sorted, entry{[]byte(k), v})
		}
		slices.SortFunc(sorted, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
		db.sorted, db.dirty = sorted, false
	}
	return db.sorted
}

func (db *memDB) NewIterator(prefix, start []byte) *memIter {
	db.iterators.Add(1)
	var buf [64]byte
	from := append(append(buf[:0], prefix...), start...)
	all := db.entries() // never written in place: a write makes a new slice
	i, j := 0, len(all) // the first key >= from, by bisection
	for i < j {
		if h := int(uint(i+j) >> 1); bytes.Compare(all[h].key, from) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	for j < len(all) && bytes.HasPrefix(all[j].key, prefix) {
		j++
	}
	it := db.reuse
	if it == nil {
		it = new(memIter)
	}
	*it = memIter{entries: all[i:j:j], pos: -1, err: db.iterErr, reuseValues: db.reuseValues}
	return it
}

// memIter iterates a snapshot of entries.
type memIter struct {
	entries     []entry
	pos         int
	released    bool
	err         error
	reuseValues bool
	value       []byte // the buffer of Value, with reuseValues
}

func (it *memIter) Next() bool {
	if it.released || it.pos+1 >= len(it.entries) {
		it.pos = len(it.entries)
		return false
	}
	it.pos++
	return true
}

func (it *memIter) Error() error { return it.err }
func (it *memIter) Key() []byte  { return it.entries[it.pos].key }
func (it *memIter) Value() []byte {
	if !it.reuseValues {
		return it.entries[it.pos].val
	}
	if it.value == nil {
		it.value = make([]byte, 0, 8<<10) // never reallocated: every value is overwritten
	}
	it.value = append(it.value[:0], it.entries[it.pos].val...)
	return it.value
}
func (it *memIter) Release() { it.released = true }

// ancientDB is a memDB with a freezer of canonical hashes, as a node's
// database: Ancient serves the frozen blocks, Get only the others.
type ancientDB struct {
	*memDB
	frozen map[uint64][]byte
}

func (db *ancientDB) Ancient(kind string, number uint64) ([]byte, error) {
	if v, ok := db.frozen[number]; ok && kind == CanonicalHashTable {
		return v, nil
	}
	return nil, errors.New("ancientdb: out of bounds")
}

// recorder is a Putter that records every Put, keeping the slices it is given.
type recorder struct {
	keys, vals [][]byte
	failAt     int // Put number failAt (1-based) fails, if positive
}

func (r *recorder) Put(key, value []byte) error {
	if r.failAt > 0 && len(r.keys)+1 == r.failAt {
		return errors.New("recorder: put failed")
	}
	r.keys, r.vals = append(r.keys, key), append(r.vals, value)
	return nil
}

// discard is a Putter that keeps nothing.
type discard struct{}

func (discard) Put(key, value []byte) error { return nil }
