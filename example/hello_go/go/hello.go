// Package main is built by pygo-tools with -buildmode=c-shared. Hello is cgo's own //export
// (C types); the other functions (sha.go, size.go) are plain Go marked //pygo:export, and
// pygo-tools generates their C side. All of them are typed functions in hello_go.api.
//
// Plain Go lives in files that do not import "C": the universal wheel (--target wasip1/wasm)
// compiles only those (WebAssembly has no C), so there Hello raises NotImplementedError.
package main

// #include <stdlib.h>
import "C"

import "strings"

// Hello greets name count times. The result is allocated with C.CString (C malloc): the
// caller owns it, and hello_go.api frees it after copying it into a str.
//
//export Hello
func Hello(name *C.char, count C.int) *C.char {
	greeting := "Hello, " + C.GoString(name) + "!"
	parts := make([]string, 0, int(count))
	for i := 0; i < int(count); i++ {
		parts = append(parts, greeting)
	}
	return C.CString(strings.Join(parts, " "))
}

func main() {}
