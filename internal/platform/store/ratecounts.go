package store

import (
	"context"
	"time"
)

// HitRates counts one event against each key in its window and returns
// the counts, this one included. A window is the span of length window
// that holds now, aligned to the Unix epoch, so that replicas agree on it.
// Counters of windows that ended are deleted as a side effect, a few at a
// time.
func (db *DB) HitRates(ctx context.Context, window time.Duration, keys ...string) ([]int64, error) {
	counts := make([]int64, len(keys))
	err := db.Transact(ctx, func(tx *Tx) error {
		start := tx.Now().Truncate(window)
		for i, k := range keys {
			if err := tx.queryRow(ctx, `INSERT INTO rate_counts (key, window_start, hits, expires_at) VALUES ($1, $2, 1, $3)
				ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counts.hits + 1
				RETURNING hits`, k, start, start.Add(window)).Scan(&counts[i]); err != nil {
				return err
			}
		}
		// Ended windows go in small bites with each count: no job to
		// schedule, and no long delete under a flood.
		_, err := tx.exec(ctx, `DELETE FROM rate_counts WHERE (key, window_start) IN
			(SELECT key, window_start FROM rate_counts WHERE expires_at < $1 LIMIT 16)`, tx.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}
