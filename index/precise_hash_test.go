package index

import (
	"encoding/binary"
	"testing"
)

// TestSipHash24Vectors checks sipHash24 against the reference implementation's
// vectors (vectors.h of github.com/veorq/SipHash): key 00 01 .. 0f, message
// 00 01 .. (n-1) for n = 0..63; listed here for the lengths that cover every
// tail length and more than one block.
func TestSipHash24Vectors(t *testing.T) {
	want := map[int]uint64{
		0:  0x726fdb47dd0e0e31,
		1:  0x74f839c593dc67fd,
		7:  0xab0200f58b01d137,
		8:  0x93f5f5799a932462,
		15: 0xa129ca6149be45e5,
		16: 0x3f2acc7f57c29bdb,
		63: 0x958a324ceb064572,
	}
	var key [16]byte
	msg := make([]byte, 64)
	for i := range key {
		key[i] = byte(i)
	}
	for i := range msg {
		msg[i] = byte(i)
	}
	k0, k1 := binary.LittleEndian.Uint64(key[:8]), binary.LittleEndian.Uint64(key[8:])
	for n, w := range want {
		if got := sipHash24(k0, k1, msg[:n]); got != w {
			t.Errorf("length %d: got %#016x, want %#016x", n, got, w)
		}
	}
}

func BenchmarkSipHash24(b *testing.B) {
	topic := make([]byte, 32)
	b.SetBytes(32)
	for range b.N {
		topic[0] = byte(sipHash24(1, 2, topic))
	}
}
