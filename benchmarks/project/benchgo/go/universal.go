package main

// Plain Go (this file does not import "C"), so these are in the native wheel and in the universal
// (WebAssembly) one alike: benchmarks/universal.py times one against the other.

import (
	"crypto/sha256"
	"encoding/hex"
)

// Nothing takes and returns nothing.
//
//pygo:export
func Nothing() {}

// Plus adds two ints.
//
//pygo:export
func Plus(a, b int) int { return a + b }

// Same returns its string.
//
//pygo:export
func Same(s string) string { return s }

// HashHex is the hex SHA-256 of data.
//
//pygo:export
func HashHex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Doubled doubles each int.
//
//pygo:export
func Doubled(xs []int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = 2 * x
	}
	return out
}

// Words returns its strings.
//
//pygo:export
func Words(xs []string) []string { return append([]string{}, xs...) }
