package main

import "testing"

// BenchmarkSha256 is the native-Go baseline for the bulk data benchmark: the same function,
// the same 64 MiB, no Python.
func BenchmarkSha256(b *testing.B) {
	data := make([]byte, 64<<20)
	for i := range data {
		data[i] = byte(i)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sha256Hex(data)
	}
}
