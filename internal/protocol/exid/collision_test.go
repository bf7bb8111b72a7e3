package exid_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"hulian/internal/protocol/exid"
)

var collisions = flag.Int("exid.collisions", 100_000, "distinct mobile numbers TestNoCollisions translates (the release check runs 10,000,000)")

// TestNoCollisions translates many distinct mobile numbers, through the
// whole member-side path with a platform key, and checks that no two share
// an exID: a guard against bugs that would merge people (a truncation, a
// normalisation folding distinct numbers together, a batch mixing rows).
func TestNoCollisions(t *testing.T) {
	n := *collisions
	if raceEnabled || testing.Short() {
		n = 10_000
	}
	tr := translator(&localEval{key: platformKey})
	const batch = 5000
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan int)
	var mu sync.Mutex
	seen := make(map[exid.ExID]int, n)
	var wg sync.WaitGroup
	var failed error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := make([]string, 0, batch)
			for start := range jobs {
				raw = raw[:0]
				for i := start; i < min(start+batch, n); i++ {
					// Distinct numbers spread over every prefix 13x–19x.
					raw = append(raw, fmt.Sprintf("1%d%09d", 3+i%7, i/7))
				}
				res, err := tr.Translate(context.Background(), raw)
				mu.Lock()
				if err != nil && failed == nil {
					failed = err
				}
				for k, r := range res {
					if r.Err != nil && failed == nil {
						failed = fmt.Errorf("%s: %v", raw[k], r.Err)
					}
					if prev, dup := seen[r.ExID]; dup && failed == nil {
						failed = fmt.Errorf("numbers %d and %d share exID %s", prev, start+k, r.ExID)
					}
					seen[r.ExID] = start + k
				}
				mu.Unlock()
			}
		}()
	}
	for s := 0; s < n; s += batch {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if len(seen) != n {
		t.Fatalf("%d distinct exIDs for %d numbers", len(seen), n)
	}
}
