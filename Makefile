# bloomsimd: make test (everything CI checks), make bench (the comparison against
# go-ethereum on this CPU), make generate (rewrite the Avo-generated assembly),
# make fuzz (longer fuzzing runs), make staticcheck (all three modules).

SHELL     := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO        ?= go
# Packages with kernels: their test binaries also run under emulated CPUs.
KERNEL_PKGS := ./bitops ./bitops/asm ./rotate
FUZZTIME  ?= 30s
TMP       := $(CURDIR)/.tmp
# staticcheck 2026.2.2, fetched through the module proxy and built with this Go.
STATICCHECK_VERSION := v0.8.2

.PHONY: all test check-self-contained vet staticcheck generate check-generate \
        test-native test-purego test-race test-x86-cpus test-arm64 test-arm32 test-bench test-fuzz test-geth test-subnetevm \
        bench bench-live bench-geth fuzz clean

all: test

test: check-self-contained vet staticcheck check-generate test-native test-purego test-race test-x86-cpus test-arm64 test-arm32 test-bench test-fuzz test-geth
	@echo "make test: all passed"

check-self-contained:
	./scripts/check-self-contained.sh

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	$(GO) vet -tags purego ./...
	cd bench && $(GO) vet ./...

# The main module, bench and gen, each with its own go.mod.
staticcheck:
	@mkdir -p $(TMP)
	GOBIN=$(TMP) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(TMP)/staticcheck ./...
	cd bench && $(TMP)/staticcheck ./...
	cd gen && $(TMP)/staticcheck ./...

test-native:
	$(GO) test -count=1 ./...

test-purego:
	$(GO) test -count=1 -tags purego ./...
	$(GO) test -count=1 -tags noasm ./bitops/...

test-race:
	$(GO) test -count=1 -race -short ./...

# Dispatch on CPUs this machine is not: qemu-user answers CPUID as the named CPU
# (its warnings about CPUID bits TCG cannot emulate are filtered out).
QEMU_QUIET := grep -v "TCG doesn't support requested feature"
test-x86-cpus:
	@if ! command -v qemu-x86_64 >/dev/null; then \
		echo "SKIPPED: qemu-x86_64 not installed (apt-get install qemu-user): no Haswell/Nehalem run"; exit 0; fi; \
	set -e; for pkg in $(KERNEL_PKGS); do \
		mkdir -p $(TMP); $(GO) test -c -o $(TMP)/kernels.test $$pkg; \
		echo "== $$pkg on qemu -cpu Haswell (expect avx2)"; \
		(cd $$pkg && BLOOMSIMD_EXPECT_IMPL=avx2 qemu-x86_64 -cpu Haswell $(TMP)/kernels.test -test.short -test.count=1 2>&1 | $(QEMU_QUIET)); \
		echo "== $$pkg on qemu -cpu Nehalem (expect generic)"; \
		(cd $$pkg && BLOOMSIMD_EXPECT_IMPL=generic qemu-x86_64 -cpu Nehalem $(TMP)/kernels.test -test.short -test.count=1 2>&1 | $(QEMU_QUIET)); \
	done

test-arm64:
	@if ! command -v qemu-aarch64 >/dev/null; then \
		echo "SKIPPED: qemu-aarch64 not installed (apt-get install qemu-user): no arm64/NEON run"; exit 0; fi; \
	set -e; \
	echo "== arm64 (NEON) under qemu-aarch64"; \
	GOARCH=arm64 BLOOMSIMD_EXPECT_IMPL=neon $(GO) test -count=1 -short -exec qemu-aarch64 ./...; \
	echo "== arm64 purego under qemu-aarch64"; \
	GOARCH=arm64 BLOOMSIMD_EXPECT_IMPL=generic $(GO) test -count=1 -short -tags purego -exec qemu-aarch64 ./...

test-bench:
	cd bench && $(GO) test -count=1 ./...

# Each gen/<name> program writes its amd64 assembly and declarations (gen/bitops into
# bitops/internal/kernels, the others into bitops/asm): the //go:generate lines of
# bitops/asm/doc.go and bitops/internal/kernels/kernels.go.
generate:
	$(GO) generate ./bitops/asm ./bitops/internal/kernels

check-generate: generate
	@git diff --exit-code -- bitops/asm bitops/internal/kernels || { echo "make generate changed the generated assembly: commit the regenerated files"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard bitops/asm bitops/internal/kernels); \
	if [ -n "$$untracked" ]; then echo "make generate wrote untracked files: $$untracked"; exit 1; fi

bench:
	cd bench && $(GO) run ./cmd/benchall

# Every fuzz target, as package:name:executions (bench targets run in the bench
# module): the decoders against go-ethereum's; the Generator, Transpose and the
# section kernels (every implementation and masked variant) against pure-Go
# references and go-ethereum; the Multiplex session with misbehaving retrievers
# and Scan against go-ethereum's Matcher; the index Reader's value decoding (and
# the precise index's, and its round trip); the live head index against its
# model; ServeRetrievals and a Scheduler over a hostile Source.
FUZZ_TARGETS := \
	bench:FuzzDecompress:20000 bench:FuzzCompress:5000 bench:FuzzSectionKernelsGeth:5000 \
	bench:FuzzTransposeGeth:300 bench:FuzzScanGeth:500 \
	rotate:FuzzGenerator:2000 rotate:FuzzTranspose:500 bitops:FuzzSectionKernels:5000 \
	matcher:FuzzMultiplex:1000 index:FuzzReader:20000 index:FuzzLive:500 \
	index:FuzzPreciseValue:20000 index:FuzzPreciseRoundTrip:300 scheduler:FuzzServeRetrievals:20000

# fuzz-each runs every target with -fuzztime $(1), or for its own number of
# executions when $(1) is empty; the checked-in seed corpus runs first.
define fuzz-each
	@set -e; for t in $(FUZZ_TARGETS); do \
		IFS=: read -r pkg name runs <<< "$$t"; \
		if [ "$$pkg" = bench ]; then dir=bench; path=.; else dir=.; path=./$$pkg; fi; \
		echo "== $$name in $$pkg"; \
		$(GO) -C $$dir test -count=1 -run '^$$' -fuzz "^$$name\$$" -fuzztime $(or $(1),$${runs}x) $$path; \
	done
endef

# A fixed number of executions of every fuzz target.
test-fuzz:
	$(call fuzz-each,)

# Longer fuzzing: FUZZTIME per target (make fuzz FUZZTIME=10m).
fuzz:
	$(call fuzz-each,$(FUZZTIME))

clean:
	rm -rf $(TMP)

# The whole module on a 32-bit platform (ints of 32 bits, 2 GiB of address
# space), under qemu-arm: the generic kernels only.
test-arm32:
	@if ! command -v qemu-arm >/dev/null; then \
		echo "SKIPPED: qemu-arm not installed (apt-get install qemu-user): no 32-bit run"; exit 0; fi; \
	set -e; \
	echo "== arm (32-bit, GOARM=7) under qemu-arm"; \
	GOARCH=arm GOARM=7 $(GO) vet ./...; \
	GOARCH=arm GOARM=7 BLOOMSIMD_EXPECT_IMPL=generic $(GO) test -count=1 -short -exec qemu-arm ./...

# Live.Add per block and matcher.BloomFilter against go-ethereum's bloomFilter.
bench-live:
	mkdir -p $(TMP)
	$(GO) test -run '^$$' -bench '^BenchmarkLive' -benchtime 40000x -count 6 ./index | tee $(TMP)/live.txt
	cd bench && $(GO) test -run '^$$' -bench '^Benchmark(BloomFilter|UnindexedHeaders)$$' -count 6 . | tee $(TMP)/bloomfilter.txt
	cd bench && $(GO) tool benchstat -col /impl $(TMP)/bloomfilter.txt

# go-ethereum v1.14.13 and libevm from the module cache, adopted by
# cmd/bloomsimd-adopt: build, vet, their own tests and our end-to-end
# eth_getLogs tests inside go-ethereum's eth/filters (scripts/gethcopy.sh).
test-geth:
	./scripts/gethcopy.sh
	./scripts/gethcopy.sh libevm

# subnet-evm v0.7.9 (its own core/bloombits and eth/ backend) adopted by the
# tool: build, vet, its eth/filters, eth, core/bloombits and ethapi tests.
test-subnetevm:
	./scripts/gethcopy.sh subnetevm

# Full eth_getLogs through eth/filters in that copy: go-ethereum as shipped vs
# the drop-in path vs Scan, on Pebble chains built once into .tmp/gethbench
# (make bench's layer node). BENCHTIME, COUNT and BENCH pass through.
bench-geth:
	./scripts/gethcopy.sh bench
