package main

// The shapes Go APIs have, for benchmarks/shapes.py: a method against the function with the
// same arguments and body, a callback, an iterator against the list, an awaitable sleep.

import (
	"context"
	"iter"
	"time"
)

// Counter is an object whose methods are timed against plain functions.
type Counter struct{ n int64 }

// NewCounter makes a counter.
//
//pygo:export
func NewCounter() *Counter { return &Counter{} }

// Inc is the method's twin as a function.
//
//pygo:export
func Inc(x int64) int64 { return x + 1 }

// Inc is the function's twin as a method.
//
//pygo:export
func (c *Counter) Inc(x int64) int64 { return x + 1 }

// Zero takes nothing and returns nothing, as a function.
//
//pygo:export
func Zero() {}

// Zero takes nothing and returns nothing, as a method.
//
//pygo:export
func (c *Counter) Zero() {}

// Apply calls fn n times from the calling goroutine and sums what it returns.
//
//pygo:export
func Apply(fn func(int) int, n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += fn(i)
	}
	return s
}

// ApplyElsewhere is Apply from another goroutine (so from a thread Go made).
//
//pygo:export
func ApplyElsewhere(fn func(int) int, n int) int {
	done := make(chan int)
	go func() { done <- Apply(fn, n) }()
	return <-done
}

// Count yields 0..n-1.
//
//pygo:export
func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

// Range is 0..n-1 as a slice.
//
//pygo:export
func Range(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Sleep waits ms milliseconds or until ctx ends.
//
//pygo:export
func Sleep(ctx context.Context, ms int) (int, error) {
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
