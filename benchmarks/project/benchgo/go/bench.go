// Functions for benchmarks/: trivial calls to time the crossing itself, and a hash over
// a large buffer to time bulk data.
package main

// #include <stdlib.h>
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unsafe"
)

//export Noop
func Noop() {}

//export Add
func Add(a, b C.int) C.int { return a + b }

// Echo returns a copy of s (C memory the caller frees).
//
//export Echo
func Echo(s *C.char) *C.char { return C.CString(C.GoString(s)) }

// Sha256 hashes n bytes at data in place (no copy) and returns the hex digest.
//
//export Sha256
func Sha256(data unsafe.Pointer, n C.size_t) *C.char {
	return C.CString(sha256Hex(unsafe.Slice((*byte)(data), int(n))))
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func main() {}

// Strings and Ints return a copy of their list: the cost of plain Go values crossing both ways.
//
//pygo:export
func Strings(xs []string) []string { return append([]string{}, xs...) }

//pygo:export
func Ints(xs []int64) []int64 { return append([]int64{}, xs...) }

// Spin does about rounds nanoseconds of work (a chain of multiplications, which no CPU runs
// in parallel): the short Go call of the free-threading benchmark.
//
//pygo:export
func Spin(seed uint64, rounds int) uint64 {
	x := seed
	for i := 0; i < rounds; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// Title upper-cases a string: a string round trip.
//
//pygo:export
func Title(s string) string { return strings.ToUpper(s) }
