package main

import (
	"fmt"
	"strings"
)

// unifiedDiff returns a unified diff of a file's old and new contents, with
// three lines of context (old nil: a new file).
func unifiedDiff(rel string, old, new []byte) string {
	a, b := splitLines(old), splitLines(new)
	ops := lineOps(a, b)
	var out strings.Builder
	from := "a/" + rel
	if old == nil {
		from = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ b/%s\n", from, rel)
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before the change to context after the
		// last change closer than 2*context to the next.
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		end = min(end+context+1, len(ops))
		ai, bi := ops[start].a, ops[start].b
		var an, bn int
		var body strings.Builder
		for _, op := range ops[start:end] {
			body.WriteString(string(op.kind) + op.line + "\n")
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n%s", hunkStart(ai, an), an, hunkStart(bi, bn), bn, body.String())
		i = end
	}
	return out.String()
}

func hunkStart(i, n int) int {
	if n == 0 {
		return i
	}
	return i + 1
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// lineOp is one line of the diff: ' ' kept, '-' removed, '+' added; a and b
// are the line's index in the old and new file (the next line's, for the
// side it is not in).
type lineOp struct {
	kind byte
	line string
	a, b int
}

// lineOps is the longest-common-subsequence diff of two line lists, after
// trimming their common head and tail (the files the tool changes are a few
// thousand lines at most).
func lineOps(a, b []string) []lineOp {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	// lcs[i][j]: the LCS length of ma[i:] and mb[j:].
	lcs := make([][]int, len(ma)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(mb)+1)
	}
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []lineOp
	for i := 0; i < head; i++ {
		ops = append(ops, lineOp{' ', a[i], i, i})
	}
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		switch {
		case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
			ops = append(ops, lineOp{' ', ma[i], head + i, head + j})
			i, j = i+1, j+1
		case i < len(ma) && (j == len(mb) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, lineOp{'-', ma[i], head + i, head + j})
			i++
		default:
			ops = append(ops, lineOp{'+', mb[j], head + i, head + j})
			j++
		}
	}
	for k := 0; k < tail; k++ {
		ops = append(ops, lineOp{' ', a[len(a)-tail+k], len(a) - tail + k, len(b) - tail + k})
	}
	return ops
}
