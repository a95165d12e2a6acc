package main

// #include <gnu/libc-version.h>
import "C"

func libcVersion() string { return C.GoString(C.gnu_get_libc_version()) }
