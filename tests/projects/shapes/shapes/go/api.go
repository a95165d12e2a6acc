// Package main is a Go API written the way Go libraries are: a constructor and methods,
// callbacks, iterators, context functions and sentinel errors. Nothing here knows about Python.
package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func main() {}

// ---- error types ----------------------------------------------------------------------------

// ErrNotFound: the key is not there.
var ErrNotFound = errors.New("not found")

var (
	// ErrPermission: not allowed.
	ErrPermission = errors.New("permission denied")
	// ErrNoSuchUser wraps ErrNotFound: its Python class subclasses ErrNotFound's.
	ErrNoSuchUser = fmt.Errorf("no such user: %w", ErrNotFound)
	errHidden     = errors.New("unexported: no class")
)

// Lookup finds a user's full name.
//
//pygo:export
func Lookup(key string) (string, error) {
	switch key {
	case "alice":
		return "Alice Liddell", nil
	case "bob":
		return "", fmt.Errorf("lookup %q: %w", key, ErrNoSuchUser)
	case "disk":
		return "", fmt.Errorf("lookup %q: %w", key, ErrNotFound)
	case "root":
		return "", ErrPermission
	case "hidden":
		return "", errHidden
	}
	return "", errors.New("lookup failed for an unknown reason")
}

// Inc is a plain function: the benchmark's baseline.
//
//pygo:export
func Inc(x int64) int64 { return x + 1 }

// NumGoroutine is runtime.NumGoroutine.
//
//pygo:export
func NumGoroutine() int { return runtime.NumGoroutine() }

// ---- objects --------------------------------------------------------------------------------

// Counter counts, safely from many goroutines.
type Counter struct {
	name string
	n    atomic.Int64
	mu   sync.Mutex
	log  []int64
}

var liveCounters atomic.Int64

// NewCounter makes a counter.
//
//pygo:export
func NewCounter(name string) *Counter {
	c := &Counter{name: name}
	liveCounters.Add(1)
	runtime.AddCleanup(c, func(int) { liveCounters.Add(-1) }, 0)
	return c
}

// LiveCounters is how many Counters Go has not collected yet (after two collections).
//
//pygo:export
func LiveCounters() int {
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond) // cleanups run in a goroutine of their own
	return int(liveCounters.Load())
}

// Add adds delta and returns the new value.
//
//pygo:export
func (c *Counter) Add(delta int64) int64 {
	c.mu.Lock()
	c.log = append(c.log, delta)
	c.mu.Unlock()
	return c.n.Add(delta)
}

// Name is the counter's name.
//
//pygo:export
func (c *Counter) Name() string { return c.name }

// Value is the current value.
//
//pygo:export
func (c *Counter) Value() int64 { return c.n.Load() }

// Take removes n; it fails with ErrPermission when that would go below zero.
//
//pygo:export
func (c *Counter) Take(n int64) (int64, error) {
	for {
		v := c.n.Load()
		if v < n {
			return v, fmt.Errorf("take %d from %s (%d): %w", n, c.name, v, ErrPermission)
		}
		if c.n.CompareAndSwap(v, v-n) {
			return v - n, nil
		}
	}
}

// History yields every delta added so far.
//
//pygo:export
func (c *Counter) History() iter.Seq[int64] {
	c.mu.Lock()
	log := append([]int64(nil), c.log...)
	c.mu.Unlock()
	return func(yield func(int64) bool) {
		for _, d := range log {
			if !yield(d) {
				return
			}
		}
	}
}

// WaitFor waits until the value reaches n, or ctx ends.
//
//pygo:export
func (c *Counter) WaitFor(ctx context.Context, n int64) (int64, error) {
	for {
		if v := c.n.Load(); v >= n {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// Each calls fn with every delta added so far (a method taking a callback).
//
//pygo:export
func (c *Counter) Each(fn func(int64) error) error {
	for d := range c.History() {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// Watch sends the value every ms milliseconds until ctx ends (a method taking a context and
// returning a channel: the iterator owns the context).
//
//pygo:export
func (c *Counter) Watch(ctx context.Context, ms int) <-chan int64 {
	ch := make(chan int64)
	go func() {
		defer close(ch)
		for {
			select {
			case ch <- c.n.Load():
			case <-ctx.Done():
				return
			}
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// close is a method named like the Python object's own close(): Python renames it.
//
//pygo:export
func (c *Counter) close() string { return "Go's close of " + c.name }

// Merge returns a new counter with the sum; either may be nil.
//
//pygo:export
func Merge(a, b *Counter) *Counter {
	m := NewCounter("merged")
	if a != nil {
		m.n.Add(a.Value())
	}
	if b != nil {
		m.n.Add(b.Value())
	}
	return m
}

// Describe says what c is ("<nil>" for nil).
//
//pygo:export
func Describe(c *Counter) string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s=%d", c.name, c.Value())
}

// Same: whether a and b are the same Go object.
//
//pygo:export
func Same(a, b *Counter) bool { return a == b }

// Open returns a counter, or an error and no counter.
//
//pygo:export
func Open(name string) (*Counter, error) {
	if name == "" {
		return nil, fmt.Errorf("open: empty name: %w", ErrNotFound)
	}
	return NewCounter(name), nil
}

// Nothing returns a nil *Counter.
//
//pygo:export
func Nothing() *Counter { return nil }

// GoError is a struct type named like the typed module's own exception class.
type GoError struct{ code int }

// NewGoError makes one.
//
//pygo:export
func NewGoError(code int) *GoError { return &GoError{code} }

// Code is its code (a method of the value, not the pointer).
//
//pygo:export
func (e GoError) Code() int { return e.code }

// Conn has a Go Close method, as files and connections do.
type Conn struct {
	closed atomic.Bool
}

var connsClosed atomic.Int64

// Dial opens a Conn.
//
//pygo:export
func Dial() *Conn { return &Conn{} }

// Close closes the connection (a second Close is an error, as for os.File).
//
//pygo:export
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return errors.New("close: already closed")
	}
	connsClosed.Add(1)
	return nil
}

// ConnsClosed counts Close calls that closed a Conn.
//
//pygo:export
func ConnsClosed() int { return int(connsClosed.Load()) }
