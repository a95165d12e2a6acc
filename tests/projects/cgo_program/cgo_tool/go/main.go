// cgotool calls C (libc's strlen and the C library's name) to show cgo programs build too.
package main

// #include <string.h>
// #include <gnu/libc-version.h>
import "C"

import (
	"fmt"
	"os"
)

var version = "dev"

func main() {
	text := "cgo"
	if len(os.Args) > 1 {
		text = os.Args[1]
	}
	cs := C.CString(text)
	fmt.Printf("cgotool %s: strlen=%d glibc=%s\n", version, int(C.strlen(cs)), C.GoString(C.gnu_get_libc_version()))
}
