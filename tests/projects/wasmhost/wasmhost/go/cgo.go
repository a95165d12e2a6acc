package main

// A file with cgo: native wheels have Twice, the universal wheel cannot (WebAssembly has no C),
// and package main's func main is here, so the universal build must supply its own.

// #include <stdint.h>
import "C"

import "errors"

// ErrCgoOnly is declared in a cgo file: the universal wheel has its class, which never matches.
var ErrCgoOnly = errors.New("cgo only")

// Twice doubles x in C types.
//
//export Twice
func Twice(x C.int) C.int { return x * 2 }

func main() {}
