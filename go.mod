module github.com/bloomsimd/bloomsimd

go 1.22

require (
	github.com/klauspost/cpuid/v2 v2.0.9
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.22.0
)

require golang.org/x/sys v0.19.0 // indirect
