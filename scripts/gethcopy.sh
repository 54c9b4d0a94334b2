#!/usr/bin/env bash
# Builds a copy of go-ethereum v1.14.13 (or libevm, the fork under coreth and
# subnet-evm) from the Go module cache with its core/bloombits and
# common/bitutil imports swapped for bloomsimd's, then builds, vets and tests it
# and runs bloomsimd's end-to-end test inside its eth/filters.
#
#   scripts/gethcopy.sh          copy, swap, build, vet, test (make test-geth)
#   scripts/gethcopy.sh bench    copy, swap, then the eth_getLogs benchmark
#   scripts/gethcopy.sh libevm   the same swap, build, vet and tests on libevm
#
# GETHCOPY_RACE=1 also runs the end-to-end test under -race; bench takes
# BENCH, BENCHTIME and COUNT, and builds its chains into .tmp/gethbench (or
# $BLOOMSIMD_GETH_BENCH_DIR), about 20 GB, once.
#
# The swap, as an embedder makes it:
#   github.com/ethereum/go-ethereum/core/bloombits  -> bloombits "github.com/bloomsimd/bloomsimd/matcher"
#                                                      (bloombits ".../rotate" in core/bloom_indexer.go)
#   github.com/ethereum/go-ethereum/common/bitutil  -> bitutil "github.com/bloomsimd/bloomsimd/bitops"
# go.mod gets a require and a replace pointing at this repository.
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
*)
	echo "usage: $0 [test|bench|libevm]" >&2
	exit 2
	;;
esac

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }

# apply_precise: the precise log index's part of the copy (issue 16), kept
# apart from the steps above: its eth/filters patch, on top of filter-scan.patch.
# bloomsimd_precise_test.go is copied with the other tests.
apply_precise() {
	step "apply testdata/geth/filter-precise.patch (the precise log index on the Scan path)"
	patch -p1 --no-backup-if-mismatch < "$ROOT/testdata/geth/filter-precise.patch"
}

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

step "keep go-ethereum's eth/filters unswapped as eth/filtersgeth"
mkdir -p eth/filtersgeth
for f in eth/filters/*.go; do
	case $f in *_test.go) continue ;; esac
	cp "$f" eth/filtersgeth/
done

step "swap core/bloombits and common/bitutil for bloomsimd"
BLOOMBITS="\"$GMOD/core/bloombits\""
BITUTIL="\"$GMOD/common/bitutil\""
users=$(grep -rlE --include='*.go' "$BLOOMBITS|$BITUTIL" . |
	grep -vE '^\./(core/bloombits|common/bitutil|eth/filtersgeth)/' | sort)
# uses_only_generator FILE: FILE names nothing of core/bloombits but the
# Generator (core/bloom_indexer.go, a benchmark): it gets rotate, not matcher.
uses_only_generator() {
	local used
	used=$(grep -o 'bloombits\.[A-Za-z]*' "$1" | sort -u)
	[ -n "$used" ] && ! grep -qvxE 'bloombits\.(NewGenerator|Generator)' <<<"$used"
}
for f in $users; do
	pkg=matcher
	if uses_only_generator "$f"; then pkg=rotate; fi
	sed -i "s#$BLOOMBITS#bloombits \"github.com/bloomsimd/bloomsimd/$pkg\"#" "$f"
	sed -i "s#$BITUTIL#bitutil \"github.com/bloomsimd/bloomsimd/bitops\"#" "$f"
	gofmt -w "$f"
	echo "swapped ${f#./} ($(grep -oE 'bloomsimd/bloomsimd/[a-z]+' "$f" | sort -u | tr '\n' ' '))"
done
$GO mod edit -require=github.com/bloomsimd/bloomsimd@v0.0.0 -replace="github.com/bloomsimd/bloomsimd=$ROOT"

if [ "$MODE" != libevm ]; then
	step "apply testdata/geth/filter-scan.patch (the Scan fast path of indexedLogs)"
	patch -p1 --no-backup-if-mismatch < "$ROOT/testdata/geth/filter-scan.patch"
	step "apply testdata/geth/filter-bloomfilter.patch (the header-by-header blocks tested with matcher.BloomFilter)"
	patch -p1 --no-backup-if-mismatch < "$ROOT/testdata/geth/filter-bloomfilter.patch"
	apply_precise
	step "add bloomsimd's tests to eth/filters"
	cp "$ROOT"/testdata/geth/filters/*_test.go eth/filters/
	cp "$ROOT"/testdata/geth/eth/*.go eth/
fi

step "go mod tidy"
$GO mod tidy

PKGS="./core/... ./eth/... ./internal/ethapi/... ./p2p/..."
if [ "$MODE" = bench ]; then
	step "benchmark eth_getLogs through eth/filters: go-ethereum vs drop-in vs Scan"
	export BLOOMSIMD_GETH_BENCH_DIR=${BLOOMSIMD_GETH_BENCH_DIR:-$ROOT/.tmp/gethbench}
	$GO test -count=1 -run '^$' -bench "${BENCH:-BloomSIMDGetLogs}" -benchtime "${BENCHTIME:-1x}" -count "${COUNT:-3}" -timeout 120m ./eth/filters
	exit 0
fi

step "build $PKGS"
$GO build $PKGS

step "vet the packages that use the swapped imports"
$GO vet ./core ./eth ./eth/filters ./eth/filtersgeth ./internal/ethapi ./p2p

# The tests that reach the swapped packages: the bloom indexer and chain
# indexer (core), all of eth/filters (with bloomsimd's end-to-end test),
# internal/ethapi (its backends implement ServiceFilter) and the p2p handshake
# (bitutil.TestBytes checks the peer's ID).
step "go-ethereum's own tests of the swapped packages"
$GO test -count=1 -run 'TestBloom|ChainIndexer' ./core
$GO test -count=1 -run 'Handshake|Transport|Protocol' ./p2p
$GO test -count=1 ./internal/ethapi

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

step "done: $MOD $VERSION with bloomsimd swapped in builds, vets and passes"
