package main

import (
	"context"
	"sync/atomic"
	"time"
)

var sleepsCancelled atomic.Int64

// Sleep waits ms milliseconds or until ctx ends; it returns ms.
//
//pygo:export
func Sleep(ctx context.Context, ms int) (int, error) {
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return ms, nil
	case <-ctx.Done():
		sleepsCancelled.Add(1)
		return 0, ctx.Err()
	}
}

// SleepsCancelled counts Sleeps that saw their context end.
//
//pygo:export
func SleepsCancelled() int { return int(sleepsCancelled.Load()) }

// Find is a context function returning a sentinel error.
//
//pygo:export
func Find(ctx context.Context, key string) (string, error) {
	return Lookup(key)
}

// Poll calls check every ms milliseconds until it returns true or ctx ends (a context function
// taking a callback).
//
//pygo:export
func Poll(ctx context.Context, ms int, check func(int) bool) (int, error) {
	for i := 0; ; i++ {
		if check(i) {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return i, ctx.Err()
		case <-time.After(time.Duration(ms) * time.Millisecond):
		}
	}
}
