package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// ReadText reads a file (relative paths from Python's working directory).
//
//pygo:export
func ReadText(path string) (string, error) {
	data, err := os.ReadFile(path)
	return string(data), err
}

// WriteText writes a file.
//
//pygo:export
func WriteText(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// Env is an environment variable of the process.
//
//pygo:export
func Env(key string) string { return os.Getenv(key) }

// Say prints to Go's standard output.
//
//pygo:export
func Say(text string) { fmt.Println("go says:", text) }

var calls int

// Count counts its calls: Go's state between calls.
//
//pygo:export
func Count() int {
	calls++
	return calls
}

// Exit ends the Go runtime, as os.Exit does.
//
//pygo:export
func Exit(code int) { os.Exit(code) }

// PanicElsewhere panics in a goroutine the call did not start: fatal for Go.
//
//pygo:export
func PanicElsewhere() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		panic("in another goroutine")
	}()
	wg.Wait()
}

// Fill writes v into every byte of buf.
//
//pygo:export
//pygo:writes buf
func Fill(buf []byte, v byte) {
	for i := range buf {
		buf[i] = v
	}
}

// Checksum adds the bytes at data, a pointer with its length.
//
//pygo:export
func Checksum(data unsafe.Pointer, size int) int {
	total := 0
	for _, b := range unsafe.Slice((*byte)(data), size) {
		total += int(b)
	}
	return total
}

// Extremes returns the largest uint64, the smallest int64 and a float32.
//
//pygo:export
func Extremes(u uint64, i int8, f float32) (uint64, int64, float32, bool) {
	return u, int64(i) * -1, f * 2, u > 1<<63
}

// Sha256 is the hex SHA-256 of data.
//
//pygo:export
func Sha256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Nap sleeps ms milliseconds.
//
//pygo:export
func Nap(ms int) int {
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return ms
}

// ErrMissing: the key is not there.
var ErrMissing = errors.New("missing")

// ErrNoUser wraps ErrMissing: its Python class subclasses ErrMissing's.
var ErrNoUser = fmt.Errorf("no user: %w", ErrMissing)

// Lookup fails with ErrNoUser for "bob", ErrMissing for "", ErrCgoOnly's text for "c" and a
// plain error for "x".
//
//pygo:export
func Lookup(key string) (string, error) {
	switch key {
	case "bob":
		return "", fmt.Errorf("lookup %q: %w", key, ErrNoUser)
	case "":
		return "", fmt.Errorf("lookup: empty key: %w", ErrMissing)
	case "c":
		return "", errors.New("cgo only")
	case "x":
		return "", errors.New("plain")
	}
	return "found " + key, nil
}

// LookupWithin is Lookup as a cancellable call.
//
//pygo:export
func LookupWithin(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return Lookup(key)
}

// GoexitWithin ends its goroutine with runtime.Goexit instead of returning.
//
//pygo:export
func GoexitWithin(ctx context.Context) int {
	runtime.Goexit()
	return 1
}

type badError struct{ code *int }

// Error panics for a nil code (a typed nil pointer inside).
func (e *badError) Error() string { return fmt.Sprint(*e.code) }

// PanicBadError panics with an error whose Error method panics too.
//
//pygo:export
func PanicBadError() { panic(&badError{}) }
