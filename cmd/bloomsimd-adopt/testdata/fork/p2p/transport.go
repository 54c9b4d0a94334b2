package p2p

import "example.com/fork/common/bitutil"

func check(id []byte) bool { return bitutil.TestBytes(id) }
