//go:build !linux

package main

// macOS and Windows have no glibc.
func libcVersion() string { return "none" }
