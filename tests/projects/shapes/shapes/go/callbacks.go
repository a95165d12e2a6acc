package main

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Point is a plain value: a dataclass.
type Point struct {
	X, Y int64
}

var lastWalk atomic.Int64

// Visitor is a named func type.
type Visitor func(index int, name string) bool

// Walk calls visit(i, name) for i = 0..n-1 until it returns false; the count of visits.
//
//pygo:export
func Walk(n int, visit Visitor) int {
	i := 0
	for ; i < n; i++ {
		lastWalk.Store(int64(i))
		if !visit(i, fmt.Sprintf("item-%d", i)) {
			i++
			break
		}
	}
	return i
}

// LastWalk is the last index Walk visited.
//
//pygo:export
func LastWalk() int { return int(lastWalk.Load()) }

// ForEach calls fn for each word; the first error stops it and is returned, wrapped.
//
//pygo:export
func ForEach(text string, fn func(string) error) error {
	for i, w := range strings.Fields(text) {
		if err := fn(w); err != nil {
			return fmt.Errorf("word %d (%q): %w", i, w, err)
		}
	}
	return nil
}

// Parallel calls fn(i) from n goroutines at once and sums the results.
//
//pygo:export
func Parallel(n int, fn func(int) int) int {
	var wg sync.WaitGroup
	var total atomic.Int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			total.Add(int64(fn(i)))
		}()
	}
	wg.Wait()
	return int(total.Load())
}

// Apply calls fn n times from the calling goroutine and sums the results.
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

// Visit hands fn three points, and the list of all of them.
//
//pygo:export
func Visit(fn func(Point), all func([]Point, map[string]int64) (string, error)) (string, error) {
	var points []Point
	for i := int64(1); i <= 3; i++ {
		fn(Point{X: i, Y: i * i})
		points = append(points, Point{X: i, Y: i * i})
	}
	if all == nil {
		return "no all", nil
	}
	return all(points, map[string]int64{"n": 3})
}

// Storm calls fn from 4 goroutines in a loop until fn fails.
//
//pygo:export
func Storm(fn func(int) error) int {
	var wg sync.WaitGroup
	var calls atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				calls.Add(1)
				if fn(i) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return int(calls.Load())
}

var (
	keptMu     sync.Mutex
	kept       func(string) error
	keptResult = make(chan string, 1)
)

// Keep stores fn beyond the call, as a Go API may well do.
//
//pygo:export
func Keep(fn func(string) error) {
	keptMu.Lock()
	kept = fn
	keptMu.Unlock()
}

// CallKept calls the kept function now; laterMs > 0: from a goroutine, later (see KeptResult).
//
//pygo:export
func CallKept(s string, laterMs int) string {
	keptMu.Lock()
	fn := kept
	keptMu.Unlock()
	run := func() string {
		if err := fn(s); err != nil {
			return "error: " + err.Error()
		}
		return "ok"
	}
	if laterMs <= 0 {
		return run()
	}
	go func() {
		time.Sleep(time.Duration(laterMs) * time.Millisecond)
		keptResult <- run()
	}()
	return "started"
}

// KeptResult waits for what CallKept's goroutine got.
//
//pygo:export
func KeptResult() string { return <-keptResult }

// FireAndReturn calls fn from a goroutine and returns after ms, whether fn has finished or not.
//
//pygo:export
func FireAndReturn(fn func(int) error, ms int) {
	go fn(1)
	time.Sleep(time.Duration(ms) * time.Millisecond)
}
