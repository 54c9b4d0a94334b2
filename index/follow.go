package index

import (
	"fmt"
	"math"
)

// HeaderFunc looks up the parent hash and bloom of the header with hash and
// number, for Follow; ok is false when the header is not found. A closure over
// go-ethereum's BlockChain.GetHeader fits it (its common.Hash and types.Bloom
// convert implicitly).
type HeaderFunc func(hash [32]byte, number uint64) (parentHash [32]byte, bloom [256]byte, ok bool)

// Follow brings the Live to a new chain head, as a node's chain head event
// handler would: it looks up the headers between the head and what the Live
// holds (the blocks after the tip, or after the fork point of a reorg) with
// header, adds them in order, and publishes the result at once, so that queries
// never see a part of a reorg. from is the first block not on disk (the disk
// index's sections × section size): when the head does not join onto what the
// Live holds (on the first call, or after a reorg deeper than it reaches), the
// Live starts over from from, or from the start of the section before the
// head's if that is later (it holds at most two sections). A head before from
// is ignored. On an error (a header not found) the Live is unchanged.
func (l *Live) Follow(number uint64, hash, parentHash [32]byte, bloom [256]byte, from uint64, header HeaderFunc) error {
	if number == math.MaxUint64 { // before the walk, which may empty the Live
		return fmt.Errorf("%w: block number %d has no successor", ErrGap, number)
	}
	if s := number / l.size; s >= 1 {
		from = max(from, (s-1)*l.size)
	}
	if number < from {
		return nil
	}
	type hdr struct {
		number       uint64
		hash, parent [32]byte
		bloom        [256]byte
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	todo := []hdr{{number, hash, parentHash, bloom}}
	restart := false
	for {
		h := &todo[len(todo)-1]
		if l.started && l.lo <= h.number && h.number <= l.next &&
			(l.holds(h.number, h.hash) || l.parentOf(h.number) == h.parent) {
			break // joins what the Live holds
		}
		if h.number <= from {
			restart = true
			break
		}
		parent, bloom, ok := header(h.parent, h.number-1)
		if !ok {
			return fmt.Errorf("index: header %d (%x) not found", h.number-1, h.parent)
		}
		todo = append(todo, hdr{h.number - 1, h.parent, parent, bloom})
	}
	fresh := false
	if restart {
		l.reset()
		fresh = true
	}
	for i := len(todo) - 1; i >= 0; i-- {
		h := &todo[i]
		f, err := l.add(h.number, h.hash, h.parent, &h.bloom)
		if err != nil {
			// Cannot happen: each header joins onto the one before. Still, never
			// leave a half-applied change unpublished.
			l.publish(true)
			return err
		}
		fresh = fresh || f
	}
	l.publish(fresh)
	return nil
}
