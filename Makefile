# bloomsimd: make test (everything CI checks), make bench (the comparison against
# go-ethereum on this CPU), make generate (rewrite the Avo-generated assembly),
# make fuzz (longer fuzzing runs).

SHELL     := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO        ?= go
# Packages with kernels: their test binaries also run under emulated CPUs.
KERNEL_PKGS := ./bitops ./rotate
FUZZTIME  ?= 30s
TMP       := $(CURDIR)/.tmp

.PHONY: all test check-self-contained test-native test-purego test-race test-arm64 test-x86-cpus test-bench test-fuzz \
        vet generate check-generate bench fuzz clean

all: test

test: check-self-contained vet check-generate test-native test-purego test-race test-x86-cpus test-arm64 test-bench test-fuzz
	@echo "make test: all passed"

check-self-contained:
	./scripts/check-self-contained.sh

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	$(GO) vet -tags purego ./...
	cd bench && $(GO) vet ./...

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
		[ -d $$pkg ] || continue; \
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

# Each gen/<name> program writes bitops/asm/<name>_amd64.s and its declarations.
generate:
	@set -e; for d in gen/*/; do \
		name=$$(basename $$d); \
		echo "generate bitops/asm/$${name}_amd64.s"; \
		$(GO) -C $$d run . -out ../../bitops/asm/$${name}_amd64.s -stubs ../../bitops/asm/$${name}_amd64.go -pkg asm; \
	done

check-generate: generate
	@git diff --exit-code -- bitops/asm || { echo "make generate changed the generated assembly: commit the regenerated files"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard bitops/asm); \
	if [ -n "$$untracked" ]; then echo "make generate wrote untracked files: $$untracked"; exit 1; fi

bench:
	cd bench && $(GO) run ./cmd/benchall

# A fixed number of executions of every fuzz target (the checked-in seed corpus
# first): the decoders against go-ethereum's, the Generator against a reference.
test-fuzz:
	cd bench && $(GO) test -count=1 -run '^$$' -fuzz '^FuzzDecompress$$' -fuzztime 20000x .
	cd bench && $(GO) test -count=1 -run '^$$' -fuzz '^FuzzCompress$$' -fuzztime 5000x .
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzGenerator$$' -fuzztime 2000x ./rotate

# Longer fuzzing: FUZZTIME per target (make fuzz FUZZTIME=10m).
fuzz:
	cd bench && $(GO) test -run '^$$' -fuzz '^FuzzDecompress$$' -fuzztime $(FUZZTIME) .
	cd bench && $(GO) test -run '^$$' -fuzz '^FuzzCompress$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzGenerator$$' -fuzztime $(FUZZTIME) ./rotate

clean:
	rm -rf $(TMP)

# index: a fixed number of executions of FuzzReader (stored values against the
# reference decoder); fuzz-index runs it for FUZZTIME.
test-fuzz-index:
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzReader$$' -fuzztime 20000x ./index

fuzz-index:
	$(GO) test -run '^$$' -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME) ./index

# go-ethereum v1.14.13 built from the module cache with its core/bloombits and
# common/bitutil imports swapped for ours: build, vet, its own tests and our
# end-to-end eth_getLogs test inside its eth/filters (scripts/gethcopy.sh).
.PHONY: test-geth
test-geth:
	./scripts/gethcopy.sh

# Full eth_getLogs through eth/filters in that copy: go-ethereum as shipped vs
# the drop-in path vs Scan, on Pebble chains built once into .tmp/gethbench
# (make bench's layer node). BENCHTIME, COUNT and BENCH pass through.
.PHONY: bench-geth
bench-geth:
	./scripts/gethcopy.sh bench
