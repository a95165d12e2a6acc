// Package greet is a third-party Go module of the tests' own: served through a local file://
// GOPROXY, or used through a `replace`, never fetched from the network.
package greet

import "strings"

// Greet says hello to name, shouting when loud.
func Greet(name string, loud bool) string {
	greeting := "hello, " + name
	if loud {
		return strings.ToUpper(greeting) + "!"
	}
	return greeting
}
