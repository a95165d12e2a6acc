//go:build never

package main

func init() { extra = "extra" }
