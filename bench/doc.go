// Package bench compares bloomsimd with go-ethereum v1.14.13 side by side: equivalence
// tests that require the same bytes, results and errors, and benchmarks named
// Benchmark<Op>/impl=<name>/... so that `benchstat -col /impl` lines them up.
// impl=geth rows run go-ethereum's code, impl=stdlib rows the standard library's.
package bench
