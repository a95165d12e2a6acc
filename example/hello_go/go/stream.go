package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"iter"
	"os"
)

// Hasher computes a SHA-256 piece by piece, as data arrives. A function returning *Hasher gives
// Python a hello_go.api.Hasher object; the methods marked //pygo:export are its methods.
type Hasher struct {
	sum     hash.Hash
	written int
}

// NewHasher starts a SHA-256.
//
//pygo:export
func NewHasher() *Hasher { return &Hasher{sum: sha256.New()} }

// Write adds data (Python's buffer, read in place) and returns how many bytes it has had.
//
//pygo:export
func (h *Hasher) Write(data []byte) int {
	h.sum.Write(data)
	h.written += len(data)
	return h.written
}

// HexDigest is the SHA-256 of everything written so far.
//
//pygo:export
func (h *Hasher) HexDigest() string { return hex.EncodeToString(h.sum.Sum(nil)) }

// Lines yields the lines of a text file, reading only as far as Python's loop goes: a loop that
// stops early stops the reading, and the file is closed. A file that cannot be opened is an
// error at once.
//
//pygo:export
func Lines(path string) (iter.Seq[string], error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return func(yield func(string) bool) {
		file, err := os.Open(path)
		if err != nil {
			return
		}
		defer file.Close()
		scanner := bufio.NewScanner(file)
		for scanner.Scan() {
			if !yield(scanner.Text()) {
				return
			}
		}
	}, nil
}
