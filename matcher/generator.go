package matcher

import "github.com/bloomsimd/bloomsimd/rotate"

// go-ethereum's core/bloombits holds the Generator next to the Matcher, so a
// fork's files name both through one import. These forward to rotate, so that
// this package alone replaces core/bloombits (bloomsimd-adopt swaps every
// import of it to this path).

// Generator builds a section's rotated bloom-bit vectors: rotate.Generator.
type Generator = rotate.Generator

// NewGenerator returns a Generator for sections blooms: rotate.NewGenerator.
func NewGenerator(sections uint) (*Generator, error) { return rotate.NewGenerator(sections) }
