#!/usr/bin/env bash
# Builds a copy of go-ethereum v1.14.13 (or libevm, the fork under coreth and
# subnet-evm, or subnet-evm itself) from the Go module cache, adopts bloomsimd
# in it with cmd/bloomsimd-adopt (-w, then a second run that must change
# nothing), then builds, vets and tests it and runs bloomsimd's end-to-end
# tests inside its eth/filters. The copy's go directive is left as shipped.
#
#   scripts/gethcopy.sh            adopt, build, vet, test (make test-geth)
#   scripts/gethcopy.sh bench      adopt, then the eth_getLogs benchmark
#   scripts/gethcopy.sh libevm     the same on libevm (its own tests)
#   scripts/gethcopy.sh subnetevm  the same on subnet-evm v0.7.9, which keeps its
#                                  own core/bloombits and eth/ backend (make test-subnetevm)
#
# GETHCOPY_RACE=1 also runs the end-to-end test under -race; bench takes
# BENCH, BENCHTIME and COUNT, and builds its chains into .tmp/gethbench (or
# $BLOOMSIMD_GETH_BENCH_DIR), about 20 GB, once.
#
# What the tool changes is in the copy's adopt.diff and in README.md
# ("Adopting bloomsimd in a node"); go.mod gets a require and a replace
# pointing at this repository.
#
# The copy also keeps go-ethereum as shipped for comparison: core/bloombits and
# common/bitutil stay in the tree, and eth/filters is copied unswapped to
# eth/filtersgeth. Files added to the copy live in testdata/geth/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-test}
GO=${GO:-go}
export GOFLAGS=-mod=mod

case $MODE in
test | bench)
	MOD=github.com/ethereum/go-ethereum
	VERSION=v1.14.13
	OUT=$ROOT/.tmp/geth-$MODE
	;;
libevm)
	MOD=github.com/ava-labs/libevm
	VERSION=v1.13.14-0.4.0.rc.2
	OUT=$ROOT/.tmp/libevm
	;;
subnetevm)
	# A fork with its own copy of core/bloombits and its own eth/ backend,
	# on libevm's common/bitutil.
	MOD=github.com/ava-labs/subnet-evm
	VERSION=v0.7.9
	OUT=$ROOT/.tmp/subnetevm
	;;
*)
	echo "usage: $0 [test|bench|libevm|subnetevm]" >&2
	exit 2
	;;
esac

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }

step "copy $MOD@$VERSION from the module cache to ${OUT#"$ROOT"/}"
SRC=$(cd "$ROOT" && $GO mod download -json "$MOD@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$SRC" ] || { echo "module directory of $MOD@$VERSION not found" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
cp -r "$SRC" "$OUT"
chmod -R u+w "$OUT"
cd "$OUT"

# The module path inside the copy (libevm's is github.com/ava-labs/libevm).
GMOD=$(sed -n 's/^module //p' go.mod)

# Every copy also gets the precise log index (-precise, issue 16), so the
# forks' own tests build and run nodes with it.
ADOPT_FLAGS=-precise
step "adopt bloomsimd with cmd/bloomsimd-adopt $ADOPT_FLAGS (the diff: ${OUT#"$ROOT"/}/adopt.diff)"
(cd "$ROOT" && $GO build -o "$OUT/.bloomsimd-adopt" ./cmd/bloomsimd-adopt)
./.bloomsimd-adopt $ADOPT_FLAGS -diff . >adopt.diff
./.bloomsimd-adopt $ADOPT_FLAGS -w .
# A second run changes nothing.
if ! ./.bloomsimd-adopt $ADOPT_FLAGS -diff . | cmp -s - /dev/null; then
	echo "bloomsimd-adopt: a second run would change the tree again" >&2
	./.bloomsimd-adopt $ADOPT_FLAGS -diff . >&2
	exit 1
fi
rm .bloomsimd-adopt
GODIRECTIVE=$(sed -n 's/^go //p' go.mod)
$GO mod edit -require=github.com/bloomsimd/bloomsimd@v0.0.0 -replace="github.com/bloomsimd/bloomsimd=$ROOT"

if [ "$MODE" != subnetevm ]; then
	step "keep go-ethereum's eth/filters as shipped (from the module cache) as eth/filtersgeth"
	mkdir -p eth/filtersgeth
	for f in "$SRC"/eth/filters/*.go; do
		case $f in *_test.go) continue ;; esac
		cp "$f" eth/filtersgeth/
	done
	chmod -R u+w eth/filtersgeth
fi
if [ "$MODE" = test ] || [ "$MODE" = bench ]; then
	step "add bloomsimd's tests to eth/filters"
	cp "$ROOT"/testdata/geth/filters/*_test.go eth/filters/
	cp "$ROOT"/testdata/geth/eth/*.go eth/
fi

step "go mod tidy"
$GO mod tidy
if [ "$(sed -n 's/^go //p' go.mod)" != "$GODIRECTIVE" ]; then
	echo "go mod tidy changed the copy's go directive from $GODIRECTIVE to $(sed -n 's/^go //p' go.mod)" >&2
	exit 1
fi

PKGS="./core/... ./eth/... ./internal/ethapi/... ./p2p/..."
VETPKGS="./core ./eth ./eth/filters ./eth/filtersgeth ./internal/ethapi ./p2p"
if [ "$MODE" = subnetevm ]; then
	PKGS="./core/... ./eth/... ./internal/ethapi/... ./plugin/..."
	VETPKGS="./core ./eth ./eth/filters ./internal/ethapi"
fi
if [ "$MODE" = bench ]; then
	step "benchmark eth_getLogs through eth/filters: go-ethereum vs drop-in vs Scan"
	export BLOOMSIMD_GETH_BENCH_DIR=${BLOOMSIMD_GETH_BENCH_DIR:-$ROOT/.tmp/gethbench}
	$GO test -count=1 -run '^$' -bench "${BENCH:-BloomSIMDGetLogs}" -benchtime "${BENCHTIME:-1x}" -count "${COUNT:-3}" -timeout 120m ./eth/filters
	exit 0
fi

step "build $PKGS"
$GO build $PKGS

step "vet the packages that use the swapped imports"
$GO vet $VETPKGS

# The tests that reach the swapped packages: the bloom indexer and chain
# indexer (core), all of eth/filters (with bloomsimd's end-to-end test),
# internal/ethapi (its backends implement ServiceFilter), the p2p handshake
# (bitutil.TestBytes checks the peer's ID) and a node built by eth.New
# (ethclient/simulated: New builds the index, Stop stops its feeder).
#
# TestChainIndexerWithChildren is a known upstream flake ("Canonical section
# count mismatch"): coreth skips it (ava-labs/coreth#1194), subnet-evm tracks
# it (ava-labs/subnet-evm#1238), XDPoSChain fixes its cause
# (XinFinOrg/XDPoSChain#2555). Skipped here so that make test is deterministic.
# So is ethclient/simulated's TestForkResendTx ("pending block dirty"): it
# commits before the transaction pool has taken the transaction in, and fails
# on loaded 2-core runners (deflaked in METADIUM/go-metadium#51). libevm as
# shipped failed it 1 run in 20 here; adopted with -precise, 2 in 10.
FLAKY=TestChainIndexerWithChildren
FLAKY_SIM=TestForkResendTx
step "the fork's own tests of the swapped packages (skipping $FLAKY and $FLAKY_SIM, upstream flakes)"
$GO test -count=1 -run 'TestBloom|ChainIndexer' -skip "$FLAKY" ./core
if [ "$MODE" = subnetevm ]; then
	$GO test -count=1 ./core/bloombits ./eth ./internal/ethapi
	step "subnet-evm's eth/filters tests"
	$GO test -count=1 ./eth/filters
	step "done: $MOD $VERSION adopted by bloomsimd-adopt builds, vets and passes"
	exit 0
fi
$GO test -count=1 -run 'Handshake|Transport|Protocol' ./p2p
$GO test -count=1 ./internal/ethapi
$GO test -count=1 -skip "$FLAKY_SIM" ./ethclient/simulated
if [ "$MODE" = test ]; then
	# The node's precise log index (bloomsimd-adopt -precise): its key across a restart.
	$GO test -count=1 -run BloomSIMD ./eth
fi

step "eth/filters: go-ethereum's tests and bloomsimd's end-to-end test"
LOG=$OUT/filters-test.log
if ! $GO test -count=1 -v ./eth/filters >"$LOG" 2>&1; then
	cat "$LOG"
	exit 1
fi
grep -E '^(--- FAIL|ok|FAIL)|BloomSIMD|bloomsimd_' "$LOG" || true

# GETHCOPY_RACE=1: the end-to-end tests again under the race detector (about
# 4 minutes on 2 idle cores, most of it generating the chain); otherwise the
# short form of the live index's concurrent test (blocks every millisecond,
# reorgs, queries) under -race.
if [ "${GETHCOPY_RACE:-0}" = 1 ] && [ "$MODE" != libevm ]; then
	step "bloomsimd's end-to-end tests under -race"
	$GO test -count=1 -race -run BloomSIMD ./eth/filters
elif [ "$MODE" != libevm ]; then
	step "bloomsimd's live index concurrent test under -race (short)"
	$GO test -count=1 -race -short -v -run 'BloomSIMDLiveConcurrent' ./eth/filters | grep -E '^(--- |ok|FAIL|panic)|bloomsimd_live|WARNING: DATA RACE'
fi

step "done: $MOD $VERSION adopted by bloomsimd-adopt builds, vets and passes"
