package index

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

// TestOpenPreciseReader: the first open makes the key and stores it, a second
// open (a restart) reads the same geometry back and draws nothing, and a
// malformed record is an error, not a new key.
func TestOpenPreciseReader(t *testing.T) {
	db := newMemDB()
	r, created, err := OpenPreciseReader(db, 4096, bytes.NewReader(bytes.Repeat([]byte{0xa1}, 16)))
	if err != nil || !created {
		t.Fatalf("first open: created %v, %v", created, err)
	}
	g := r.Geometry()
	if g.Key == ([16]byte{}) || g != DefaultGeometry(g.Key) {
		t.Fatalf("geometry %+v", g)
	}
	again, created, err := OpenPreciseReader(db, 4096, iotest.ErrReader(errors.New("drawn again")))
	if err != nil || created || again.Geometry() != g {
		t.Fatalf("reopen: %+v, created %v, %v", again.Geometry(), created, err)
	}
	other, _, err := OpenPreciseReader(newMemDB(), 4096, bytes.NewReader(bytes.Repeat([]byte{0xb2}, 16)))
	if err != nil || other.Geometry().Key == g.Key {
		t.Fatalf("two indexes share a key: %v", err)
	}
	if _, _, err := OpenPreciseReader(newMemDB(), 4096, bytes.NewReader(make([]byte, 3))); err == nil {
		t.Fatal("a short key read accepted")
	}
	bad := newMemDB()
	bad.Put(PreciseMetaKey(), []byte{1, 2, 3})
	if _, created, err := OpenPreciseReader(bad, 4096, bytes.NewReader(make([]byte, 16))); err == nil || created || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("malformed record: created %v, %v", created, err)
	}
}
