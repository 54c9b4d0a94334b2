package scheduler

import (
	"cmp"
	"context"
	"errors"
	"slices"
)

// ServeRetrievals starts threads goroutines that answer the Retrievals arriving on
// requests (as MatcherSession.Multiplex sends them) from src, until quit is
// closed, then returns at once, like go-ethereum's eth/bloombits.go
// startBloomHandlers, whose loop it replaces (go-ethereum runs 16 threads). A
// node passes its Scheduler as src, so that all its sessions share reads and
// one cache.
//
// Each goroutine takes a request channel, receives the task on it, reads the
// vectors of task.Bit for task.Sections and sends the task back on the same
// channel. The sections are read as contiguous ascending runs, one Read of src
// per run, whatever their order in the task; a section listed twice is read
// once. task.Bitsets[i] answers task.Sections[i].
//
// As in go-ethereum, a failed read sets task.Error, leaves the bitsets it
// failed to fill nil, and the task is still answered (with the vectors of the
// other runs), which ends the asking session with that error. The error is the
// first one in section order, as Read returns it: naming the bit and sections
// and wrapping the Source's error, ErrSourcePanic or ErrVectorLength. A
// cancelled task.Context is answered at once with its error, without reading.
//
// A request taken before quit is closed is answered in full. A threads below 1
// starts one goroutine. A nil src or a sectionSize that CheckSectionSize
// refuses makes every answer an error (wrapping ErrSectionSize for the size).
//
// When src is a ChangingSource (the live head index), the vectors of sections
// that may still change, as Changing reports before the read, are marked
// (Retrieval.Changing): the Matcher does not cache them for its later
// sessions, as it does other vectors (go-ethereum's cache). A panic of
// Changing is the task's error, wrapping ErrSourcePanic, and nothing is read.
//
// The vectors handed out are never reused: a Matcher keeps delivered vectors
// for its later sessions, so no server can tell when one is free again. Each
// task's vectors share one allocation; a vector the Source replaced with its
// own slice is copied into it. Only each goroutine's scratch (sort order, run
// headers) is reused. Over a *Scheduler, the task's vectors are the
// Scheduler's own (Shared), shared with the node's other queries, with
// no copy: whoever receives the task must not write to them (neither our
// Matcher nor go-ethereum's ever modifies a delivered vector).
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
	bufs        [][]byte // the slab's vectors of one run
	dst         [][]byte // the run's vectors as handed to the Source
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
	task.changing = nil // a task sent again: its marks were for its old sections
	if srv.src == nil {
		task.Error = errors.New("scheduler: retrieval server has a nil Source")
		return
	}
	if err := CheckSectionSize(srv.sectionSize); err != nil {
		task.Error = err
		return
	}
	if n == 0 {
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
	// Which sections may still change, asked before the read: a section that
	// stops changing meanwhile (committed to disk) was maybe read while it still
	// could, so its vector must not be cached past this task.
	if cs, ok := srv.src.(ChangingSource); ok && !srv.markChanging(task, cs) {
		return
	}
	sections := task.Sections
	order := srv.sortedOrder(sections)
	vb := int(srv.sectionSize / 8)

	// Over a Scheduler the task gets the Scheduler's own vectors (Shared),
	// with no copy; otherwise one slab for the distinct sections' vectors.
	var src Source = srv.src
	var slab []byte
	sched, shared := srv.src.(*Scheduler)
	if shared {
		src = sched.Shared()
	} else {
		distinct := 1
		for k := 1; k < n; k++ {
			if sections[order[k]] != sections[order[k-1]] {
				distinct++
			}
		}
		slab = make([]byte, distinct*vb)
	}

	// Walk the sorted sections in runs of consecutive ones: order[k:end] covers
	// sections first..first+len(bufs)-1, duplicates included.
	for k := 0; k < n; {
		first := sections[order[k]]
		bufs := srv.bufs[:0]
		end := k
		for end < n {
			s := sections[order[end]]
			if s != first+uint64(len(bufs)) {
				if s == first+uint64(len(bufs))-1 { // a duplicate of the last one
					end++
					continue
				}
				break
			}
			if shared {
				bufs = append(bufs, nil) // the Scheduler sets it
			} else {
				bufs = append(bufs, slab[:vb:vb])
				slab = slab[vb:]
			}
			end++
		}
		srv.bufs = bufs
		dst := append(srv.dst[:0], bufs...)
		srv.dst = dst
		err := Read(ctx, src, task.Bit, first, dst, vb)
		if err == nil {
			if shared {
				copy(bufs, dst)
			} else {
				copyReplaced(bufs, dst)
			}
			for _, i := range order[k:end] {
				task.Bitsets[i] = bufs[sections[i]-first]
			}
		}
		clear(dst)  // keep no reference to the Source's memory
		clear(bufs) // nor to the slab or the vectors the task now holds
		if err != nil {
			if task.Error == nil {
				task.Error = err
				if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
					task.Error = ctxErr // a cancellation, as Scan returns it
				}
			}
			if ctx.Err() != nil {
				break // the asker is gone: the other runs would fail too
			}
		}
		k = end
	}
}

// markChanging marks the task's sections that cs reports as changing. A panic
// of cs is the task's error: it reports false then.
func (srv *server) markChanging(task *Retrieval, cs ChangingSource) bool {
	for i, section := range task.Sections {
		ch, err := changing(cs, section)
		if err != nil {
			task.Error = err
			return false
		}
		if ch {
			task.markChanging(i) // not to be cached past the asking session
		}
	}
	return true
}

// copyReplaced copies into bufs[i] each vector the Source put in place of it.
func copyReplaced(bufs, dst [][]byte) {
	for i, v := range dst {
		if &v[0] != &bufs[i][0] {
			copy(bufs[i], v)
		}
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
