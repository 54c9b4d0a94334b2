package index

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrNoReceipts is returned by a PreciseBlocks for a block whose receipts the
// node does not have (a snap-synced node's history before its pivot): the
// backfill leaves that section uncovered, and queries use its bloom bits.
var ErrNoReceipts = errors.New("index: no receipts for the block")

// PreciseBlocks gives the backfill the canonical chain's logs.
type PreciseBlocks interface {
	// AppendBlockValues appends the log values (AppendLogValues of each log of
	// each receipt) of canonical block number to dst, and returns them with
	// the block's hash; ErrNoReceipts (wrapped or not) if the receipts are
	// missing.
	AppendBlockValues(dst [][]byte, number uint64) ([][]byte, [32]byte, error)
}

// PreciseBatch is what the backfill writes a section into and flushes: an
// ethdb.Batch.
type PreciseBatch interface {
	Putter
	Write() error
	Reset()
}

// BackfillProgress is a Backfill's progress: of Total sections, Indexed were
// built by this run, Covered were already in the index (a resumed run skips
// them), NoReceipts lacked receipts; Next is the section it works on.
type BackfillProgress struct {
	Total, Indexed, Covered, NoReceipts, Next uint64
	Done                                      bool
}

// Backfill indexes the history of a chain into the precise index in the
// background, newest section first (recent history is queried most). It
// resumes by itself: coverage is stored per section, so a new run skips the
// sections covered under their canonical head and redoes the others (never
// indexed, or indexed under a head a reorg replaced). It holds no lock that
// queries take: a section becomes visible to them, atomically, when its batch
// (vectors, then section head) is written.
type Backfill struct {
	reader   *PreciseReader
	writer   *PreciseWriter
	blocks   PreciseBlocks
	newBatch func() PreciseBatch

	total, indexed, covered, noReceipts, next atomic.Uint64
	done                                      atomic.Bool
}

// NewBackfill returns a Backfill writing with w the sections that reader does
// not cover, reading logs from blocks, each section in a batch from newBatch.
// w must have the index's geometry and section size.
func NewBackfill(reader *PreciseReader, w *PreciseWriter, blocks PreciseBlocks, newBatch func() PreciseBatch) (*Backfill, error) {
	switch {
	case reader == nil || w == nil || blocks == nil || newBatch == nil:
		return nil, errors.New("index: backfill needs a reader, a writer, blocks and batches")
	case w.Geometry() != reader.Geometry():
		return nil, fmt.Errorf("index: backfill writer geometry %d×%d differs from the index's %d×%d",
			w.Geometry().Bits, w.Geometry().Probes, reader.Geometry().Bits, reader.Geometry().Probes)
	case w.SectionSize() != reader.SectionSize():
		return nil, fmt.Errorf("index: backfill writer section size %d, index %d", w.SectionSize(), reader.SectionSize())
	}
	return &Backfill{reader: reader, writer: w, blocks: blocks, newBatch: newBatch}, nil
}

// Progress returns the backfill's progress; safe to call at any time.
func (b *Backfill) Progress() BackfillProgress {
	return BackfillProgress{Total: b.total.Load(), Indexed: b.indexed.Load(), Covered: b.covered.Load(),
		NoReceipts: b.noReceipts.Load(), Next: b.next.Load(), Done: b.done.Load()}
}

// Run indexes sections sections-1 down to 0 that are not covered, and returns
// when all are done (nil), ctx is done (ctx.Err(), progress kept: the next Run
// resumes) or a block or batch fails. Run it on its own goroutine; one Run at a
// time per Backfill.
func (b *Backfill) Run(ctx context.Context, sections uint64) error {
	b.total.Store(sections)
	b.indexed.Store(0)
	b.covered.Store(0)
	b.noReceipts.Store(0)
	b.done.Store(false)
	var covered [1]bool
	var values [][]byte
	batch := b.newBatch()
	size := b.writer.SectionSize()
	for s := sections; s > 0; {
		s--
		b.next.Store(s)
		if err := b.reader.Covered(ctx, s, covered[:]); err != nil {
			return err
		}
		if covered[0] {
			b.covered.Add(1)
			continue
		}
		b.writer.Reset(s)
		var head [32]byte
		var err error
		for j := range size {
			if j%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			values, head, err = b.blocks.AppendBlockValues(values[:0], s*size+j)
			if err != nil {
				break
			}
			if err = b.writer.AddBlock(uint(j), values); err != nil {
				break
			}
		}
		if errors.Is(err, ErrNoReceipts) {
			b.noReceipts.Add(1)
			continue
		}
		if err != nil {
			return fmt.Errorf("index: backfill of precise section %d: %w", s, err)
		}
		batch.Reset()
		if err := b.writer.Commit(batch, head); err != nil {
			return err
		}
		if err := batch.Write(); err != nil {
			return fmt.Errorf("index: backfill of precise section %d: %w", s, err)
		}
		b.indexed.Add(1)
	}
	b.done.Store(true)
	return nil
}
