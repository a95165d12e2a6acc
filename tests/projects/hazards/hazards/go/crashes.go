package main

import (
	"context"
	"runtime"
	"sort"
	"strings"
	"time"
)

// unsafe is the package's own name: the generated code's import of "unsafe" must not clash.
var unsafe = "the package's own unsafe"

// Unsafe returns the package's own variable named unsafe.
//
//pygo:export
func Unsafe() string { return unsafe }

// Pair is a struct, so the typed module registers its dataclass (through a name of its own,
// not `_register`, which is an export here).
type Pair struct {
	Key   string
	Value int
}

// _register has the name the typed module once used for itself.
//
//pygo:export
func _register(p Pair) string { return p.Key + "=" + strings.Repeat("*", p.Value) }

// Lengths sums the values of a map: a Mapping whose items() yields anything reaches it.
//
//pygo:export
func Lengths(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

type panickyError struct{}

func (*panickyError) Error() string { panic("Error() itself panicked") }

type nilError struct{ text string }

func (e *nilError) Error() string { return e.text } // a nil *nilError panics here

type panickyStringer struct{}

func (panickyStringer) String() string { panic("String() itself panicked") }

// PanicWith panics with a value whose Error or String method panics, or a typed nil error.
//
//pygo:export
func PanicWith(kind string) int {
	switch kind {
	case "error":
		panic(&panickyError{})
	case "stringer":
		panic(panickyStringer{})
	default:
		var e *nilError
		panic(e)
	}
}

// PanicWithCtx is PanicWith in a cancellable call (its goroutine).
//
//pygo:export
func PanicWithCtx(ctx context.Context, kind string) int { return PanicWith(kind) }

// NilError returns a typed nil pointer as its error: not nil, and its Error() panics.
//
//pygo:export
func NilError() (int, error) {
	var e *nilError
	return 1, e
}

// NilErrorCtx is NilError in a cancellable call.
//
//pygo:export
func NilErrorCtx(ctx context.Context) error {
	var e *nilError
	return e
}

// Exit calls runtime.Goexit in a cancellable call: no return, no panic.
//
//pygo:export
func Exit(ctx context.Context) int {
	runtime.Goexit()
	return 1
}

// Busy keeps the Go scheduler busy with goroutines, so a cancelled call's goroutine starts late.
//
//pygo:export
func Busy(n int) {
	for i := 0; i < n; i++ {
		go func() {
			deadline := time.Now().Add(50 * time.Millisecond)
			for time.Now().Before(deadline) {
			}
		}()
	}
}

// Hold takes every kind of argument a cancellable call copies, waits, and reads them: they must
// be Go's own however late the goroutine runs (the caller's memory is gone after Ctrl-C).
//
//pygo:export
func Hold(ctx context.Context, text string, data []byte, words []string, m map[string]int, p Pair) int {
	time.Sleep(time.Millisecond)
	total := len(text) + len(data) + len(p.Key)
	for _, w := range words {
		total += len(w)
	}
	for k := range m {
		total += len(k)
	}
	return total
}
