package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Shout upper-cases s, times times. Go types in and out: pygo-tools makes the C export.
//
//pygo:export
func Shout(s string, times int) string {
	return strings.Repeat(strings.ToUpper(s), times)
}

// Divide returns a / b, or an error for b == 0.
//
//pygo:export
func Divide(a, b int) (int, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}

// Digest hashes a []byte passed with no copy.
//
//pygo:export
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Stats returns two values at once.
//
//pygo:export
func Stats(data []byte) (int, float64) {
	total := 0
	for _, b := range data {
		total += int(b)
	}
	if len(data) == 0 {
		return 0, 0
	}
	return total, float64(total) / float64(len(data))
}

// Index panics on a bad index, like any Go slice access.
//
//pygo:export
func Index(data []byte, i int) int {
	return int(data[i])
}

// Describe formats a value, returning an error for negatives.
//
//pygo:export
func Describe(n int) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("negative: %d", n)
	}
	return fmt.Sprintf("n=%d", n), nil
}
