package index

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The layouts written out byte by byte from go-ethereum's schema comments.
func TestSchemaLayouts(t *testing.T) {
	var head [32]byte
	for i := range head {
		head[i] = byte(0xa0 + i)
	}
	hexHead := hex.EncodeToString(head[:])
	for _, c := range []struct {
		name string
		got  []byte
		want string // hex
	}{
		{"BloomBitsKey", BloomBitsKey(0x0102, 0x030405060708090a, head), "42" + "0102" + "030405060708090a" + hexHead},
		{"BloomBitsKey/bit0", BloomBitsKey(0, 0, head), "42" + "0000" + "0000000000000000" + hexHead},
		{"BloomBitsKey/bit2047", BloomBitsKey(2047, 1<<63, head), "42" + "07ff" + "8000000000000000" + hexHead},
		{"CanonicalHashKey", CanonicalHashKey(0x0102030405060708), "68" + "0102030405060708" + "6e"},
		{"CanonicalHashKey/4095", CanonicalHashKey(4095), "68" + "0000000000000fff" + "6e"},
		{"SectionCountKey", SectionCountKey(), hex.EncodeToString([]byte("iBcount"))},
		{"SectionHeadKey", SectionHeadKey(0x0102030405060708), hex.EncodeToString([]byte("iBshead")) + "0102030405060708"},
	} {
		want, _ := hex.DecodeString(c.want)
		if !bytes.Equal(c.got, want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, want)
		}
	}
	for _, c := range []struct {
		name      string
		n, length int
		want      int
	}{
		{"bloom-bits", len(BloomBitsKey(1, 2, head)), BloomBitsKeyLen, 43},
		{"canonical-hash", len(CanonicalHashKey(1)), CanonicalHashKeyLen, 10},
	} {
		if c.n != c.want || c.length != c.want {
			t.Errorf("%s key: length %d, constant %d, want %d", c.name, c.n, c.length, c.want)
		}
	}
}

// Keys sort by bit, then section, then head: a bit's sections are contiguous.
func TestSchemaOrder(t *testing.T) {
	lo, hi := [32]byte{}, [32]byte{0: 0xff}
	ordered := [][]byte{
		BloomBitsKey(1, 0, hi),
		BloomBitsKey(1, 1, lo),
		BloomBitsKey(1, 1, hi),
		BloomBitsKey(1, 256, lo),
		BloomBitsKey(2, 0, lo),
		BloomBitsKey(256, 0, lo),
	}
	for i := 1; i < len(ordered); i++ {
		if bytes.Compare(ordered[i-1], ordered[i]) >= 0 {
			t.Errorf("key %x does not sort before %x", ordered[i-1], ordered[i])
		}
	}
	// Fresh slices: appending to one does not write another's memory.
	a := SectionCountKey()
	_ = append(a, 'x')
	if string(SectionCountKey()) != "iBcount" {
		t.Error("SectionCountKey shares memory between calls")
	}
}
