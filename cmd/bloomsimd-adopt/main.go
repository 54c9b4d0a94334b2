// Command bloomsimd-adopt adopts bloomsimd in a go-ethereum fork's source
// tree. It finds what it changes by package, type and function with go/ast:
//
//   - every import of core/bloombits becomes github.com/bloomsimd/bloomsimd/matcher
//     (Matcher and Generator alike) and every import of common/bitutil
//     github.com/bloomsimd/bloomsimd/bitops, under the names the files use;
//   - core gets core/bloomsimd_indexer.go: NewBloomSIMDIndexer, the index
//     writer on index.Writer (core.NewBloomIndexer stays go-ethereum's);
//   - eth gets eth/bloomsimd.go (the node's index: the disk Reader and the
//     live head composed, fed from the chain head, and EthAPIBackend.BloomSource
//     with a snapshot per query); New builds it after bloomIndexer.Start and
//     uses NewBloomSIMDIndexer, Stop stops it, startBloomHandlers serves it,
//     BloomStatus reports its sections;
//   - eth/filters: Filter.indexedLogs scans the backend's BloomSource when it
//     has one, Filter.unindexedLogs tests blooms with one BloomFilter per query.
//
// With -precise it also adopts the precise log index (index.Precise*: log
// positions in place of the header bloom's bits, docs/precision.md):
//
//   - eth gets eth/bloomsimd_precise.go: the index's key created once and
//     stored beside it, the history backfilled in the background as the bloom
//     indexer writes sections (newest first, resumed after a restart), the live
//     part fed with each new head's receipts, and EthAPIBackend.PreciseSource;
//   - eth/filters gets eth/filters/bloomsimd_precise.go, called first in
//     Filter.rangeLogsAsync: the range is matched through the precise index as
//     far as it reaches, and the rest as go-ethereum does.
//
// Usage:
//
//	bloomsimd-adopt [-precise] [-diff] [-w] [dir]
//
// dir is the fork's module root (default "."). Without flags it lists the
// files it would change and why; -diff prints the changes as a unified diff;
// -w writes them. Anything it cannot place is reported by file and name and
// the exit status is 1 (and -w writes nothing). A second run changes nothing.
// The fork's go.mod is left to the caller (go get github.com/bloomsimd/bloomsimd).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	showDiff := flag.Bool("diff", false, "print the changes as a unified diff")
	write := flag.Bool("w", false, "write the changes to the tree")
	precise := flag.Bool("precise", false, "also adopt the precise log index")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: bloomsimd-adopt [-precise] [-diff] [-w] [dir]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	dir := "."
	switch flag.NArg() {
	case 0:
	case 1:
		dir = flag.Arg(0)
	default:
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(dir, options{diff: *showDiff, write: *write, precise: *precise}, os.Stdout, os.Stderr))
}

// snapshotMethod is index.Composed's per-query view.
const snapshotMethod = "Snapshot"

// options are the command's flags.
type options struct {
	diff, write, precise bool
}

// adopt plans every change on the tree at dir.
func adopt(dir string, precise bool) (*tree, error) {
	t, err := loadTree(dir)
	if err != nil {
		return nil, err
	}
	t.swapImports()
	t.adoptCore()
	t.adoptEth(snapshotMethod, precise)
	t.adoptFilters()
	if precise {
		t.adoptPreciseFilters()
	}
	return t, nil
}

func run(dir string, opt options, stdout, stderr io.Writer) int {
	showDiff, write := opt.diff, opt.write
	t, err := adopt(dir, opt.precise)
	if err != nil {
		fmt.Fprintln(stderr, "bloomsimd-adopt:", err)
		return 2
	}
	changed := t.changed()
	for _, rel := range changed {
		if showDiff {
			io.WriteString(stdout, unifiedDiff(rel, t.orig[rel], t.files[rel]))
		} else {
			fmt.Fprintf(stdout, "%s:\n", rel)
			for _, why := range t.changes[rel] {
				fmt.Fprintf(stdout, "\t%s\n", why)
			}
		}
	}
	for _, p := range t.problems {
		fmt.Fprintln(stderr, "bloomsimd-adopt: cannot place:", p)
	}
	if len(t.problems) > 0 {
		if write {
			fmt.Fprintln(stderr, "bloomsimd-adopt: nothing written")
		}
		return 1
	}
	if write {
		for _, rel := range changed {
			path := filepath.Join(t.root, filepath.FromSlash(rel))
			if err := os.WriteFile(path, t.files[rel], 0o644); err != nil {
				fmt.Fprintln(stderr, "bloomsimd-adopt:", err)
				return 2
			}
		}
	}
	if len(changed) == 0 && !showDiff {
		fmt.Fprintln(stdout, "bloomsimd-adopt: nothing to change (already adopted)")
	}
	return 0
}
