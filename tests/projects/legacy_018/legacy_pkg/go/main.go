package main

// #include <stdlib.h>
import "C"

//export Greet
func Greet(name *C.char) *C.char {
	return C.CString("hi " + C.GoString(name))
}

//export Add
func Add(a, b C.int) C.int {
	return a + b
}

func main() {}
