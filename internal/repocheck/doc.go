// Package repocheck holds no code, only tests of the repository's own
// conventions: every example runs as it is shown (examples_test.go), and make
// fuzz runs every fuzz target (fuzztargets_test.go).
package repocheck
