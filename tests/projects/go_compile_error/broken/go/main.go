package main

import "C"

//export Twice
func Twice(x C.int) C.int {
	return x * undefinedFactor
}

func main() {}
