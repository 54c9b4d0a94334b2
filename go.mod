module github.com/bloomsimd/bloomsimd

go 1.26

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.48.0
)

require golang.org/x/sys v0.41.0 // indirect
