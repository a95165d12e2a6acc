package main

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"time"
)

var seqActive atomic.Int64

// Count yields 0..n-1 (n == -1: forever; below that it panics after 3 items).
//
//pygo:export
func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		seqActive.Add(1)
		defer seqActive.Add(-1)
		for i := 0; n < 0 || i < n; i++ {
			if n < -1 && i == 3 {
				panic("count: negative length")
			}
			if !yield(i) {
				return
			}
		}
	}
}

// SeqActive is how many Count and Generate bodies are running (suspended in yield) now.
//
//pygo:export
func SeqActive() int { return int(seqActive.Load()) }

// Words yields (index, word).
//
//pygo:export
func Words(text string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i, w := range strings.Fields(text) {
			if !yield(i, w) {
				return
			}
		}
	}
}

// Points yields points: structs as items.
//
//pygo:export
func Points(n int) iter.Seq[Point] {
	return func(yield func(Point) bool) {
		for i := 0; i < n; i++ {
			if !yield(Point{int64(i), int64(-i)}) {
				return
			}
		}
	}
}

// Range is 0..n-1 as one slice: the list the iterator benchmark compares with.
//
//pygo:export
func Range(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i)
	}
	return s
}

// Lines yields the lines of text, or fails at once for an empty text.
//
//pygo:export
func Lines(text string) (iter.Seq[string], error) {
	if text == "" {
		return nil, errors.New("no text")
	}
	return strings.Lines(text), nil
}

// Ticks sends 0..n-1 (n < 0: forever) every ms milliseconds, until ctx ends.
//
//pygo:export
func Ticks(ctx context.Context, n, ms int) <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for i := 0; n < 0 || i < n; i++ {
			if ms > 0 {
				select {
				case <-time.After(time.Duration(ms) * time.Millisecond):
				case <-ctx.Done():
					return
				}
			}
			select {
			case ch <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// Generate yields f(0), f(1), ... f(n-1): a seq that calls back into Python while it is pulled.
//
//pygo:export
func Generate(n int, f func(int) int) iter.Seq[int] {
	return func(yield func(int) bool) {
		seqActive.Add(1)
		defer seqActive.Add(-1)
		for i := 0; n < 0 || i < n; i++ {
			if !yield(f(i)) {
				return
			}
		}
	}
}
