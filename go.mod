module github.com/bloomsimd/bloomsimd

go 1.26

require github.com/klauspost/cpuid/v2 v2.4.2

require (
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
)
