// Package main is built by pygo-tools with -buildmode=c-shared: every //export function
// becomes a C function the hello_go._native extension calls.
package main

// #include <stdlib.h>
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// Hello greets name count times. The result is allocated with C.CString (C malloc): the
// caller owns it and must free it, which hello_go.wrapper does.
//
//export Hello
func Hello(name *C.char, count C.int) *C.char {
	greeting := "Hello, " + C.GoString(name) + "!"
	parts := make([]string, 0, int(count))
	for i := 0; i < int(count); i++ {
		parts = append(parts, greeting)
	}
	return C.CString(strings.Join(parts, " "))
}

// Sha256 hashes n bytes at data without copying them and writes the 64-character hex
// digest into out, which must have room for 64 bytes.
//
//export Sha256
func Sha256(data unsafe.Pointer, n C.size_t, out *C.char) {
	var input []byte
	if n > 0 {
		input = unsafe.Slice((*byte)(data), int(n))
	}
	sum := sha256.Sum256(input)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), 64), hex.EncodeToString(sum[:]))
}

// ChecksumFiles hashes the newline-separated files in paths concurrently, one goroutine
// per file, and returns one line per file in the same order: the hex SHA-256, or
// "error: <message>". The caller frees the result.
//
//export ChecksumFiles
func ChecksumFiles(paths *C.char) *C.char {
	names := strings.Split(C.GoString(paths), "\n")
	results := make([]string, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			results[i] = checksumFile(name)
		}(i, name)
	}
	wg.Wait()
	return C.CString(strings.Join(results, "\n"))
}

func checksumFile(name string) string {
	file, err := os.Open(name)
	if err != nil {
		return "error: " + err.Error()
	}
	defer file.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, file); err != nil {
		return "error: " + err.Error()
	}
	return hex.EncodeToString(hash.Sum(nil))
}

func main() {}
