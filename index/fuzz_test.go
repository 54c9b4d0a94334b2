package index

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
)

// FuzzReader stores an arbitrary value as a vector, between two valid ones, and
// an arbitrary extra key under the bit's prefix: Bitsets never panics, fails
// exactly when the reference decoder (bitops.DecompressBytes, checked against
// go-ethereum's in bench/) fails, with ErrCorrupt naming the section, and
// otherwise returns the reference vectors.
func FuzzReader(f *testing.F) {
	valid := bitops.CompressBytes(bytes.Repeat([]byte{0, 0, 0x10, 0}, 16))
	f.Add(uint8(1), []byte{}, []byte{})
	f.Add(uint8(1), valid, []byte{0})
	f.Add(uint8(0), []byte{0x80}, []byte{})
	f.Add(uint8(1), []byte{0xc0, 0x80, 0x01, 0x02}, []byte{})
	f.Add(uint8(2), append([]byte{0xff}, make([]byte, 63)...), []byte{})
	f.Add(uint8(1), make([]byte, 9), []byte{})
	f.Add(uint8(3), []byte{0x80, 0x80, 0x80, 0x80, 0x80}, bytes.Repeat([]byte{1}, 40))
	sizes := []uint64{8, 64, 512, 4096}
	f.Fuzz(func(t *testing.T, sizeSel uint8, value, extra []byte) {
		size := sizes[int(sizeSel)%len(sizes)]
		const bit = 300
		db := newMemDB()
		good := bytes.Repeat([]byte{0x81}, int(size/8))
		for s := range uint64(3) {
			head := testHead(s, canonicalVariant)
			db.Put(CanonicalHashKey((s+1)*size-1), head[:])
			v := good
			if s == 1 {
				v = value
			}
			db.Put(BloomBitsKey(bit, s, head), v)
			db.Put(BloomBitsKey(bit+1, s, head), good)
		}
		// An extra key under the bit's prefix, unless it is one of the vectors'.
		extraKey := append([]byte{'B', bit >> 8, bit & 0xff}, extra...)
		isVector := false
		for s := range uint64(3) {
			isVector = isVector || bytes.Equal(extraKey, BloomBitsKey(bit, s, testHead(s, canonicalVariant)))
		}
		if !isVector {
			db.Put(extraKey, extra)
		}
		r, err := NewReader(db, size)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([][]byte, 3)
		for i := range dst {
			dst[i] = make([]byte, size/8)
		}
		err = r.Bitsets(context.Background(), bit, 0, dst)
		want, wantErr := bitops.DecompressBytes(value, int(size/8))
		check := func(how string, err error) {
			if wantErr != nil {
				var e *Error
				if !errors.Is(err, ErrCorrupt) || !errors.Is(err, wantErr) || !errors.As(err, &e) || e.Section != 1 || e.Bit != bit {
					t.Fatalf("%s: value %x: error %v, want ErrCorrupt of bit %d, section 1 wrapping %v", how, value, err, bit, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: value %x: %v", how, value, err)
			}
			if !bytes.Equal(dst[0], good) || !bytes.Equal(dst[1], want) || !bytes.Equal(dst[2], good) {
				t.Fatalf("%s: value %x: vectors %x, want %x, %x, %x", how, value, dst, good, want, good)
			}
		}
		check("Reader", err)
		// A Snapshot holding the heads reads the value ahead of section 0's call.
		r.mode = iterating
		snap := r.Snapshot()
		if err := snap.Bitsets(context.Background(), bit+1, 0, dst); err != nil {
			t.Fatal(err)
		}
		for s := range dst {
			if err = snap.Bitsets(context.Background(), bit, uint64(s), dst[s:s+1]); err != nil {
				break
			}
		}
		check("Snapshot", err)
		// The same over a Snapshot told the sections, as matcher.Scan tells it.
		snap = r.Snapshot()
		snap.ScanSections(0, 3)
		for s := range dst {
			if err = snap.Bitsets(context.Background(), bit, uint64(s), dst[s:s+1]); err != nil {
				break
			}
		}
		check("Snapshot told its sections", err)
	})
}
