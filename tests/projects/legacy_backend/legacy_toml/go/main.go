package main

// #include "wrapper_util.h"
import "C"

//export Shout
func Shout(text *C.char) *C.char {
	out := C.CString(C.GoString(text) + "!")
	C.upper_in_place(out)
	return out
}

//export Square
func Square(x C.int) C.int {
	return x * x
}

func main() {}
