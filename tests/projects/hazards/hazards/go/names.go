package main

// #include <stdlib.h>
import "C"

import (
	"errors"
	"strings"
)

// Keywords ends its doc in a quote, and holds """ and \ too: "
//
//pygo:export
func Keywords(from int, lambda string, None bool) string {
	if None {
		return strings.Repeat(lambda, from)
	}
	return lambda
}

// Locals has parameters named like the locals a wrapper might use.
//
//pygo:export
func Locals(result, err, s int, s_go string) (int, string) {
	return result + err + s, s_go
}

// GoError is an export named like the typed module's exception.
//
//pygo:export
func GoError(message string) error {
	return errors.New(message)
}

// lib is an export named like cffi's lib.
//
//pygo:export
func lib() int { return 42 }

// Größe has a non-ASCII name.
//
//pygo:export
func Größe(ä int) int { return ä * 2 }

func main() {}
