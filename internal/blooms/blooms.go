// Package blooms loads the real block blooms of shared/data/blooms.tsv for tests
// and benchmarks.
package blooms

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Path finds blooms.tsv: $BLOOMSIMD_BLOOMS, or shared/data/blooms.tsv beside the
// checkout (the folder above the one holding the top-level go.mod).
func Path() (string, error) {
	if p := os.Getenv("BLOOMSIMD_BLOOMS"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(data), "module github.com/bloomsimd/bloomsimd\n") {
			return filepath.Join(dir, "..", "shared", "data", "blooms.tsv"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("blooms: no bloomsimd checkout above the working directory")
		}
		dir = parent
	}
}

// Load returns the blooms of blooms.tsv in file order.
func Load() ([][256]byte, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("blooms: %w (set BLOOMSIMD_BLOOMS to the file)", err)
	}
	defer f.Close()
	var out [][256]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("blooms: %s:%d: want 3 tab-separated fields", path, line)
		}
		var b [256]byte
		if n, err := hex.Decode(b[:], []byte(fields[2])); err != nil || n != 256 {
			return nil, fmt.Errorf("blooms: %s:%d: bloom is not 512 hex digits", path, line)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("blooms: %s holds no blooms", path)
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
