package main

import (
	"strings"
	"sync"
)

var (
	mu   sync.Mutex
	kept = map[string]int{}
)

// Remember keeps its string argument (as a map key) after returning.
//
//pygo:export
func Remember(key string) int {
	mu.Lock()
	defer mu.Unlock()
	kept[key]++
	return len(kept)
}

// Recall returns every kept key, sorted, joined by newlines.
//
//pygo:export
func Recall() string {
	mu.Lock()
	defer mu.Unlock()
	var keys []string
	for k := range kept {
		keys = append(keys, k)
	}
	return strings.Join(sortedStrings(keys), "\n")
}

func sortedStrings(keys []string) []string {
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// Fill writes n times the byte b into buf, which Python must pass writable.
//
//pygo:export
//pygo:writes buf
func Fill(buf []byte, b byte) int {
	for i := range buf {
		buf[i] = b
	}
	return len(buf)
}

// Sum reads buf without copying it.
//
//pygo:export
func Sum(buf []byte) int {
	total := 0
	for _, b := range buf {
		total += int(b)
	}
	return total
}

// Echo returns s unchanged, NULs included.
//
//pygo:export
func Echo(s string) string { return strings.Clone(s) }

// Add is cheap, for fork tests.
//
//pygo:export
func Add(a, b int) int { return a + b }
