package main

// #include <stdlib.h>
import "C"

// CEcho returns a copy of its C string.
//
//export CEcho
func CEcho(s *C.char) *C.char { return C.CString(C.GoString(s)) }
