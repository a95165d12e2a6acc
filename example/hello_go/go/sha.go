package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

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
