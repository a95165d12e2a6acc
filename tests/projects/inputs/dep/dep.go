// Package dep is a local module used through `replace ../../dep`.
package dep

// Word is what the local module says.
func Word() string { return "dep-1" }
