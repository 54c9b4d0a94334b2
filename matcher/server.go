package matcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// ServeRetrievals starts threads goroutines that answer the Retrievals arriving on
// requests (as MatcherSession.Multiplex sends them) from src, until quit is
// closed, then returns at once, like go-ethereum's eth/bloombits.go
// startBloomHandlers, whose loop it replaces (go-ethereum runs 16 threads).
//
// Each goroutine takes a request channel, receives the task on it, reads the
// vectors of task.Bit for task.Sections and sends the task back on the same
// channel. The sections are read as contiguous ascending runs, one src.Bitsets
// call per run, whatever their order in the task; a section listed twice is
// read once. task.Bitsets[i] answers task.Sections[i].
//
// As in go-ethereum, a failed read sets task.Error, leaves the bitsets it
// failed to fill nil, and the task is still answered (with the vectors of the
// other runs), which ends the asking session with that error. The error is the
// first one in section order, naming the bit and sections: an error of src, a
// panic of src, or a vector src left at the wrong length. A cancelled
// task.Context is answered at once with its error, without reading.
//
// A request taken before quit is closed is answered in full. A threads below 1
// starts one goroutine. A nil src or a sectionSize that is zero or not a
// multiple of 8 makes every answer an error.
//
// The vectors handed out are never reused: a Matcher keeps delivered vectors
// for its later sessions. Each task's vectors share one allocation.
func ServeRetrievals(requests chan chan *Retrieval, quit <-chan struct{}, threads int, sectionSize uint64, src Source) {
	for range max(threads, 1) {
		srv := &server{sectionSize: sectionSize, src: src}
		go srv.loop(requests, quit)
	}
}

// server is one goroutine of ServeRetrievals, with its scratch space.
type server struct {
	sectionSize uint64
	src         Source
	order       []int    // task.Sections indexes sorted by section
	dst         [][]byte // the vectors of one run
}

func (srv *server) loop(requests chan chan *Retrieval, quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case request, ok := <-requests:
			if !ok {
				return // nobody can ask any more
			}
			if request == nil {
				continue
			}
			task := <-request
			if task != nil {
				srv.answer(task)
			}
			request <- task
		}
	}
}

// answer fills task.Bitsets for task.Sections, or task.Error.
func (srv *server) answer(task *Retrieval) {
	n := len(task.Sections)
	task.Bitsets = make([][]byte, n)
	switch {
	case srv.src == nil:
		task.Error = errors.New("matcher: retrieval server has a nil Source")
		return
	case srv.sectionSize == 0 || srv.sectionSize%8 != 0:
		task.Error = fmt.Errorf("matcher: retrieval server section size %d is not a positive multiple of 8", srv.sectionSize)
		return
	case n == 0:
		return
	}
	ctx := task.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		task.Error = err
		return
	}
	sections := task.Sections
	order := srv.sortedOrder(sections)

	// One slab for the distinct sections' vectors.
	distinct := 1
	for k := 1; k < n; k++ {
		if sections[order[k]] != sections[order[k-1]] {
			distinct++
		}
	}
	vb := int(srv.sectionSize / 8)
	slab := make([]byte, distinct*vb)

	// Walk the sorted sections in runs of consecutive ones: order[k:end] covers
	// sections first..first+len(dst)-1, duplicates included.
	for k := 0; k < n; {
		first := sections[order[k]]
		dst := srv.dst[:0]
		end := k
		for end < n {
			s := sections[order[end]]
			if s != first+uint64(len(dst)) {
				if s == first+uint64(len(dst))-1 { // a duplicate of the last one
					end++
					continue
				}
				break
			}
			dst = append(dst, slab[:vb:vb])
			slab = slab[vb:]
			end++
		}
		srv.dst = dst
		err := srv.read(ctx, task.Bit, first, dst)
		if err == nil {
			err = checkLengths(task.Bit, first, dst, vb)
		}
		if err != nil {
			if task.Error == nil {
				task.Error = err
			}
			if ctx.Err() != nil {
				break // the asker is gone: the other runs would fail too
			}
		} else {
			for _, i := range order[k:end] {
				task.Bitsets[i] = dst[sections[i]-first]
			}
		}
		clear(dst) // drop the references to the slab the task now holds
		k = end
	}
}

// sortedOrder returns the indexes of sections in ascending order of section
// (stable, so duplicates keep their task order).
func (srv *server) sortedOrder(sections []uint64) []int {
	order := srv.order[:0]
	for i := range sections {
		order = append(order, i)
	}
	srv.order = order
	if !slices.IsSorted(sections) { // Multiplex asks in ascending order
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sections[a], sections[b]) })
	}
	return order
}

// read calls src.Bitsets for one run, turning a panic into an error.
func (srv *server) read(ctx context.Context, bit uint, first uint64, dst [][]byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("matcher: Source panicked reading bloom bit %d, sections %d..%d: %v",
				bit, first, first+uint64(len(dst))-1, r)
		}
	}()
	if err := srv.src.Bitsets(ctx, bit, first, dst); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return err // a cancellation, as Scan returns it
		}
		return fmt.Errorf("matcher: reading bloom bit %d, sections %d..%d: %w", bit, first, first+uint64(len(dst))-1, err)
	}
	return nil
}

// checkLengths reports a vector that src replaced with one of the wrong length.
func checkLengths(bit uint, first uint64, dst [][]byte, vb int) error {
	for i, v := range dst {
		if len(v) != vb {
			return fmt.Errorf("matcher: Source returned %d bytes for bloom bit %d, section %d, want %d",
				len(v), bit, first+uint64(i), vb)
		}
	}
	return nil
}
