// Package main is built by pygo-tools with -buildmode=c-shared. Hello is cgo's own //export
// (C types); the other functions are plain Go marked //pygo:export, and pygo-tools generates
// their C side. All of them are typed functions in hello_go.api.
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
)

// Hello greets name count times. The result is allocated with C.CString (C malloc): the
// caller owns it, and hello_go.api frees it after copying it into a str.
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

// Sha256 returns the hex SHA-256 of data. It is plain Go: //pygo:export makes pygo-tools
// generate the C export, and Python passes bytes, a bytearray or a memoryview with no copy.
//
//pygo:export
func Sha256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ChecksumFiles hashes the files concurrently, one goroutine per file, and returns each
// file's hex SHA-256 by name. The first file that cannot be read is the error (GoError in
// Python).
//
//pygo:export
func ChecksumFiles(paths []string) (map[string]string, error) {
	sums := make([]string, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, name := range paths {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			sums[i], errs[i] = checksumFile(name)
		}(i, name)
	}
	wg.Wait()
	result := make(map[string]string, len(paths))
	for i, name := range paths {
		if errs[i] != nil {
			return nil, errs[i]
		}
		result[name] = sums[i]
	}
	return result, nil
}

func checksumFile(name string) (string, error) {
	file, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer file.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, file); err != nil {
		return "", err
	}
	return hex.EncodeToString(hash.Sum(nil)), nil
}

func main() {}
