package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"hulian/internal/errs"
)

// TestHashBudget: with every turn taken and the queue full, one more
// password check is refused at once as busy (unavailable), without
// hashing; a waiter gets a turn when one frees; a check that waits too
// long is refused too.
func TestHashBudget(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	var running, holders sync.WaitGroup
	for range cap(hashSlots) {
		running.Add(1)
		holders.Add(1)
		go func() { defer holders.Done(); withHashSlot(ctx, func() { running.Done(); <-release }) }()
	}
	running.Wait()
	// Fill the queue with waiters.
	var waiters sync.WaitGroup
	errsCh := make(chan error, hashQueue)
	for range hashQueue {
		waiters.Add(1)
		go func() { defer waiters.Done(); errsCh <- withHashSlot(ctx, func() {}) }()
	}
	for hashWaiting.Load() < hashQueue {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	ran := false
	if err := withHashSlot(ctx, func() { ran = true }); !errs.Is(err, errs.Unavailable) || ran || time.Since(start) > 100*time.Millisecond {
		t.Errorf("past the queue: %v, ran %v after %v", err, ran, time.Since(start))
	}
	close(release)
	waiters.Wait()
	holders.Wait()
	close(errsCh)
	for err := range errsCh {
		if err != nil {
			t.Errorf("a waiter: %v", err)
		}
	}
	if hashWaiting.Load() != 0 || len(hashSlots) != 0 {
		t.Errorf("left %d waiting, %d turns taken", hashWaiting.Load(), len(hashSlots))
	}
}
