// Package main wraps a third-party Go module, example.com/greet (tests/projects/gomods).
package main

import "example.com/greet"

// Greet is greet.Greet, for Python.
//
//pygo:export
func Greet(name string, loud bool) string {
	return greet.Greet(name, loud)
}

func main() {}
