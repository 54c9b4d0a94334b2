package matcher

import "sync"

// Sections are kept in pages of consecutive ones: sessions ask for runs of
// sections, and a page costs one map entry for all of them.
const pageSize = 64

// pageMap holds pages of P, each of pageSize consecutive sections, by section
// / pageSize. It remembers the page used last: lookups come in runs of
// sections. The caller guards it.
type pageMap[P any] struct {
	pages     map[uint64]*P
	last      *P
	lastIndex uint64
	pool      *sync.Pool // where new pages come from, if set
}

// get returns the page of section, creating it if create is set; otherwise it
// may return nil.
func (pm *pageMap[P]) get(section uint64, create bool) *P {
	index := section / pageSize
	if pm.last != nil && pm.lastIndex == index {
		return pm.last
	}
	p := pm.pages[index]
	if p == nil {
		if !create {
			return nil
		}
		if pm.pages == nil {
			pm.pages = make(map[uint64]*P)
		}
		if pm.pool != nil {
			p, _ = pm.pool.Get().(*P)
		}
		if p == nil {
			p = new(P)
		}
		pm.pages[index] = p
	}
	pm.last, pm.lastIndex = p, index
	return p
}

// forget drops the page remembered as used last (after pages were deleted).
func (pm *pageMap[P]) forget() { pm.last = nil }

// sectionMask is section's bit in the masks of its page.
func sectionMask(section uint64) uint64 { return 1 << (section % pageSize) }

// pageRange is the mask of the n sections from section on, which must lie in
// one page.
func pageRange(section uint64, n int) uint64 {
	if n == pageSize {
		return ^uint64(0)
	}
	return (1<<n - 1) << (section % pageSize)
}
