// Package examples holds no code, only the test that every example of the
// module is one a user can run as it is shown: go/doc makes a runnable program
// of it (its Play), which it does only for an example in an external test
// package (x_test) whose every identifier is exported API, an import or a
// declaration of its own file.
package examples
