package index

import (
	"fmt"
	"math"
)

// checkSectionSize reports a section size the index cannot have: the vectors
// are sectionSize/8 bytes, so it must be a positive multiple of 8, with vectors
// Go can allocate and block numbers that fit in a uint64 for at least one
// section. Writer also gets rotate.NewGenerator's bound on the section's matrix.
func checkSectionSize(sectionSize uint64) error {
	if sectionSize == 0 || sectionSize%8 != 0 || sectionSize/8 > math.MaxInt32 {
		return fmt.Errorf("index: section size %d is not a positive multiple of 8 up to %d", sectionSize, uint64(math.MaxInt32)*8)
	}
	return nil
}
