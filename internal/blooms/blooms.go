// Package blooms holds the real block blooms of testdata/blooms.tsv.gz (see
// testdata/README.md for where they come from) for tests and benchmarks. The file
// is embedded, so every test binary has it wherever it runs (a clone with nothing
// beside it, qemu, a copy of go-ethereum).
package blooms

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

//go:embed testdata/blooms.tsv.gz
var blooms []byte

var (
	loadOnce sync.Once
	loaded   [][256]byte
	loadErr  error
)

// Load returns the blooms of blooms.tsv in file order. The slice is fresh on every
// call: callers may modify it.
func Load() ([][256]byte, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(blooms) })
	if loadErr != nil {
		return nil, loadErr
	}
	return append([][256]byte(nil), loaded...), nil
}

func parse(gz []byte) ([][256]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("blooms: testdata/blooms.tsv.gz: %w", err)
	}
	var out [][256]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("blooms: blooms.tsv:%d: want 3 tab-separated fields", line)
		}
		var b [256]byte
		if n, err := hex.Decode(b[:], []byte(fields[2])); err != nil || n != 256 {
			return nil, fmt.Errorf("blooms: blooms.tsv:%d: bloom is not 512 hex digits", line)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("blooms: blooms.tsv: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("blooms: blooms.tsv holds no blooms")
	}
	return out, nil
}

// Section returns n blooms tiled cyclically from the file, as a section of n blocks.
func Section(n int) ([][256]byte, error) {
	all, err := Load()
	if err != nil {
		return nil, err
	}
	out := make([][256]byte, n)
	for i := range out {
		out[i] = all[i%len(all)]
	}
	return out, nil
}
