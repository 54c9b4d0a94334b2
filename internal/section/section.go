// Package section holds the one bound on a section's size in blocks, for the
// packages that cannot import each other: rotate (the Generator that builds
// the vectors) sits below scheduler (which owns the section geometry) in the
// package map, so both take the bound from here.
package section

// MaxSize is the most blocks a section may hold. It is far above the section
// sizes go-ethereum uses (4096, and 32768 for light clients) and keeps memory
// bounded on every platform: a Generator's matrix is at most 256 MiB, a vector
// at most 128 KiB, and sizes in bytes fit an int on 32-bit platforms.
const MaxSize = 1 << 20
