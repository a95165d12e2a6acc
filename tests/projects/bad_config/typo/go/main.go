package main

import "C"

//export Twice
func Twice(x C.int) C.int {
	return 2 * x
}

// Thrice is declared in config.json but not exported: the build must say so.
func Thrice(x C.int) C.int {
	return 3 * x
}

func main() {}
