module github.com/bloomsimd/bloomsimd/bench

go 1.26

require (
	github.com/bloomsimd/bloomsimd v0.0.0
	github.com/ethereum/go-ethereum v1.14.13
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sys v0.41.0 // indirect
)

replace github.com/bloomsimd/bloomsimd => ../
