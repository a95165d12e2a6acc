package main

// #include <stdlib.h>
// #include "point.h"
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"time"
	"unsafe"
)

// Greet returns a C string the caller frees.
//
//export Greet
func Greet(name *C.char) *C.char {
	return C.CString("hello " + C.GoString(name))
}

// Version returns a string Go keeps (static C memory): the wrapper must not free it.
//
//export Version
func Version() *C.char {
	return versionString()
}

//export AddInts
func AddInts(a C.int, b int64, c uint8) int64 {
	return int64(a) + b + int64(c)
}

//export Scale
func Scale(x float64, factor C.double) float64 {
	return x * float64(factor)
}

//export Negate
func Negate(b bool) bool {
	return !b
}

// HashPointer hashes n bytes at data without copying them.
//
//export HashPointer
func HashPointer(data unsafe.Pointer, n C.size_t) *C.char {
	sum := sha256.Sum256(unsafe.Slice((*byte)(data), int(n)))
	return C.CString(hex.EncodeToString(sum[:]))
}

//export Norm
func Norm(p C.Point) C.double {
	return C.double(math.Sqrt(float64(C.point_dot(p, p))))
}

// Sleep blocks for ms milliseconds (the GIL is released meanwhile).
//
//export Sleep
func Sleep(ms C.int) {
	time.Sleep(time.Duration(ms) * time.Millisecond)
}

//export Explode
func Explode(message *C.char) C.int {
	panic("explode: " + C.GoString(message))
}


func main() {}
