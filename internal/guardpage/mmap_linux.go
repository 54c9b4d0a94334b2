package guardpage

import (
	"fmt"
	"syscall"
)

func mapRegions(regions, size int) (*Mem, error) {
	page := syscall.Getpagesize()
	region := max(page, (size+page-1)/page*page)
	total := regions*(region+page) + page
	mem, err := syscall.Mmap(-1, 0, total, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("guardpage: mmap %d bytes: %w", total, err)
	}
	for g := 0; g <= regions; g++ {
		at := g * (region + page)
		if err := syscall.Mprotect(mem[at:at+page], syscall.PROT_NONE); err != nil {
			syscall.Munmap(mem)
			return nil, fmt.Errorf("guardpage: mprotect: %w", err)
		}
	}
	return &Mem{mem: mem, page: page, region: region}, nil
}

// Free unmaps the memory: every slice of it becomes inaccessible.
func (m *Mem) Free() { syscall.Munmap(m.mem) }
