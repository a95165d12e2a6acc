package main

import (
	"errors"
	"strconv"
	"strings"
)

// ParseSize parses a size such as "512", "4k" or "2M" into bytes. It is plain Go (a string
// in, an int and an error out): //pygo:export makes pygo-tools generate the C export, and a
// returned error arrives in Python as hello_go.api.GoError.
//
//pygo:export
func ParseSize(text string) (int, error) {
	text = strings.TrimSpace(text)
	multiplier := 1
	switch {
	case strings.HasSuffix(text, "k"):
		multiplier, text = 1<<10, strings.TrimSuffix(text, "k")
	case strings.HasSuffix(text, "M"):
		multiplier, text = 1<<20, strings.TrimSuffix(text, "M")
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return 0, errors.New("not a size: " + strconv.Quote(text))
	}
	return n * multiplier, nil
}
