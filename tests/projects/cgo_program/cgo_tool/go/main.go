// cgotool calls C (libc's strlen, and on Linux glibc's version) to show cgo programs build too.
package main

// #include <stdlib.h>
// #include <string.h>
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

var version = "dev"

func main() {
	text := "cgo"
	if len(os.Args) > 1 {
		text = os.Args[1]
	}
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	fmt.Printf("cgotool %s: strlen=%d glibc=%s\n", version, int(C.strlen(cs)), libcVersion())
}
