package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Point is a point in the plane.
type Point struct {
	X, Y  float64
	Label string
	hidden int // unexported: stays in Go
}

// Shape has nested structs, a slice of structs and a map of slices.
type Shape struct {
	Name    string
	Corners []Point
	Center  Point
	Tags    map[string][]string
	Weights map[string]float32
	Closed  bool
}

// Tree contains itself through a slice.
type Tree struct {
	Value    int32
	Children []Tree
}

// Celsius is a named float64.
type Celsius float64

//pygo:export
func Sha256Hex(data []byte) string { return fmt.Sprintf("%x", sum(data)) }

func sum(data []byte) [8]byte {
	var out [8]byte
	for i, b := range data {
		out[i%8] ^= b
	}
	return out
}

// Upper returns the bytes upper-cased as a new []byte.
//
//pygo:export
func Upper(data []byte) []byte { return []byte(strings.ToUpper(string(data))) }

//pygo:export
func JoinAll(parts []string, sep string) string { return strings.Join(parts, sep) }

//pygo:export
func Split(s, sep string) []string { return strings.Split(s, sep) }

//pygo:export
func Total(xs []int64) int64 {
	var t int64
	for _, x := range xs {
		t += x
	}
	return t
}

//pygo:export
func Doubles(xs []uint8) []uint16 {
	out := make([]uint16, len(xs))
	for i, x := range xs {
		out[i] = uint16(x) * 2
	}
	return out
}

//pygo:export
func Halves(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x) / 2
	}
	return out
}

//pygo:export
func Not(xs []bool) []bool {
	out := make([]bool, len(xs))
	for i, x := range xs {
		out[i] = !x
	}
	return out
}

//pygo:export
func Counts(words []string) map[string]int {
	out := map[string]int{}
	for _, w := range words {
		out[w]++
	}
	return out
}

//pygo:export
func Keys(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

//pygo:export
func Move(p Point, dx, dy float64) Point {
	return Point{X: p.X + dx, Y: p.Y + dy, Label: p.Label + "'", hidden: 7}
}

//pygo:export
func Describe(s Shape) (string, int, error) {
	if s.Name == "" {
		return "", 0, errors.New("a shape needs a name")
	}
	return fmt.Sprintf("%s:%d:%v:%v", s.Name, len(s.Corners), s.Center, s.Closed), len(s.Tags), nil
}

//pygo:export
func Square(name string, side float64) Shape {
	return Shape{
		Name:    name,
		Corners: []Point{{0, 0, "a", 0}, {side, 0, "b", 0}, {side, side, "c", 0}, {0, side, "d", 0}},
		Center:  Point{side / 2, side / 2, "center", 0},
		Tags:    map[string][]string{"kind": {"square", "polygon"}, "empty": {}},
		Weights: map[string]float32{"a": 0.5},
		Closed:  true,
	}
}

//pygo:export
func Depth(t Tree) int {
	best := 0
	for _, c := range t.Children {
		if d := Depth(c); d > best {
			best = d
		}
	}
	return best + 1
}

//pygo:export
func Chain(n int) Tree {
	if n <= 1 {
		return Tree{Value: int32(n)}
	}
	return Tree{Value: int32(n), Children: []Tree{Chain(n - 1)}}
}

//pygo:export
func Warm(t Celsius, by []Celsius) Celsius {
	for _, b := range by {
		t += b
	}
	return t
}

//pygo:export
func MinMax(xs []int) (int, int, error) {
	if len(xs) == 0 {
		return 0, 0, errors.New("empty")
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi, nil
}

var cancelled atomic.Int32

// Sleep sleeps up to seconds, or until ctx is done.
//
//pygo:export
func Sleep(ctx context.Context, seconds float64) (string, error) {
	select {
	case <-time.After(time.Duration(seconds * float64(time.Second))):
		return "slept", nil
	case <-ctx.Done():
		cancelled.Add(1)
		return "", ctx.Err()
	}
}

// Cancelled tells how many Sleep calls saw their context cancelled.
//
//pygo:export
func Cancelled() int { return int(cancelled.Load()) }

// Boom panics inside a cancellable call.
//
//pygo:export
func Boom(ctx context.Context, words []string) int {
	panic("boom: " + strings.Join(words, " "))
}

func main() {}
