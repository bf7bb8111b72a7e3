package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"hulian/internal/bizlog"
)

// Group commit. A transaction per operation costs a commit each, and on
// PostgreSQL a commit waits for the WAL to reach disk: milliseconds, however
// small the operation. Operations that serialise on one row anyway (one
// demander's quota, the log head) gain nothing from running apart, so
// concurrent callers are queued and run one after another inside ONE
// transaction, and all return after its single commit.

const (
	callQueued int32 = iota
	callTaken
	callAbandoned
)

// groupCall is one caller's operation waiting in a group.
type groupCall struct {
	ctx   context.Context // the caller's, without its cancellation once taken
	item  any
	res   any
	err   error
	panic any
	state atomic.Int32
	done  chan struct{}
}

// group queues calls and runs them in shared transactions. No goroutine
// lives while the queue is empty: the first call of a burst starts one,
// which drains the queue and exits.
type group struct {
	db  weak.Pointer[DB] // the map of groups must not keep a DB alive
	max int
	// run executes calls in tx, setting each call's res and err. Its error
	// fails the whole transaction (and every call with it). It may run again
	// for the same calls when the transaction is retried.
	run func(tx *Tx, calls []*groupCall) error

	mu      sync.Mutex
	queue   []*groupCall
	running bool
}

type groupKey struct {
	db   weak.Pointer[DB]
	name string
}

// groups holds each database's groups. Keys are weak so that a closed and
// dropped DB takes its groups with it.
var groups sync.Map // groupKey → *group

func (db *DB) group(name string, max int, run func(*Tx, []*groupCall) error) *group {
	key := groupKey{weak.Make(db), name}
	if g, ok := groups.Load(key); ok {
		return g.(*group)
	}
	g, loaded := groups.LoadOrStore(key, &group{db: key.db, max: max, run: run})
	if !loaded {
		runtime.AddCleanup(db, func(k groupKey) { groups.Delete(k) }, key)
	}
	return g.(*group)
}

// do queues item and waits for the commit of the transaction that ran it.
// A caller whose ctx ends while its call is still queued withdraws it and
// gets ctx.Err(); once its call has started it waits for the outcome, so
// that an error never hides a committed change.
func (g *group) do(ctx context.Context, item any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &groupCall{ctx: context.WithoutCancel(ctx), item: item, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.running {
		g.running = true
		go g.lead()
	}
	g.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		if c.state.CompareAndSwap(callQueued, callAbandoned) {
			return nil, ctx.Err()
		}
		<-c.done
	}
	if c.panic != nil {
		panic(c.panic)
	}
	return c.res, c.err
}

// take removes up to max queued calls, skipping abandoned ones.
func (g *group) take() []*groupCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	var calls []*groupCall
	n := 0
	for ; n < len(g.queue) && len(calls) < g.max; n++ {
		if c := g.queue[n]; c.state.CompareAndSwap(callQueued, callTaken) {
			calls = append(calls, c)
		}
	}
	g.queue = append(g.queue[:0], g.queue[n:]...)
	if len(calls) == 0 {
		g.running = false
	}
	return calls
}

// gather waits, after a transaction of last calls, until about as many
// are queued again or a short while has passed. Callers whose calls just
// committed need a moment to queue their next; taking the queue at once
// would commit a small transaction and make the rest wait a whole commit.
// Under no load (last is 1) it does not wait.
func (g *group) gather(last int) {
	for range 8 {
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n >= last || n >= g.max {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (g *group) lead() {
	last := 1
	for {
		g.gather(last)
		calls := g.take()
		last = len(calls)
		if len(calls) == 0 {
			return
		}
		db := g.db.Value() // alive: the callers waiting hold it
		if db == nil {
			panic("store: group of a collected DB")
		}
		err := db.Transact(context.Background(), func(tx *Tx) error {
			for _, c := range calls {
				c.res, c.err, c.panic = nil, nil, nil
			}
			return g.run(tx, calls)
		})
		for _, c := range calls {
			if err != nil && c.panic == nil {
				// Nothing of the transaction committed, whatever each
				// operation returned on its own.
				c.res, c.err = nil, err
			}
			close(c.done)
		}
	}
}

// MaxBatch bounds how many operations share one transaction, so that a
// long queue still commits regularly.
const MaxBatch = 256

// Batch runs fn like Transact, but in a transaction shared with concurrent
// Batch callers (group commit): each fn runs inside its own SAVEPOINT, so a
// fn that fails rolls back only its own work and gets its own error, and
// the successful ones commit together. Batch returns after that commit.
//
// fn may run more than once when the shared transaction is retried, and
// must have no effects outside it. ctx ending before fn starts withdraws
// it; once started, fn should use ctx only for values (cancelling a
// statement midway may fail the whole shared transaction, which every
// caller then sees as its error — with nothing committed).
func (db *DB) Batch(ctx context.Context, fn func(*Tx) error) error {
	_, err := db.group("batch", MaxBatch, runSavepoints).do(ctx, fn)
	return err
}

func runSavepoints(tx *Tx, calls []*groupCall) error {
	for i, c := range calls {
		sp := fmt.Sprintf("batch_%d", i)
		if _, err := tx.Raw.ExecContext(c.ctx, "SAVEPOINT "+sp); err != nil {
			return err
		}
		snap := tx.snapshotLog()
		c.err = runOne(tx, c)
		if c.err != nil {
			if _, err := tx.Raw.ExecContext(c.ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				return err
			}
			if err := tx.restoreLog(snap); err != nil {
				return err
			}
		}
		if _, err := tx.Raw.ExecContext(c.ctx, "RELEASE SAVEPOINT "+sp); err != nil {
			return err
		}
	}
	return nil
}

// runOne runs a call's fn, turning a panic into the call's failure so that
// it is re-raised in the caller's goroutine, not the group's.
func runOne(tx *Tx, c *groupCall) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.panic = p
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return c.item.(func(*Tx) error)(tx)
}

// logSnap is the in-memory log state at a savepoint: a rolled-back fn's
// appends must leave the tree as they found it.
type logSnap struct {
	had   bool
	size  int64
	edge  []byte
	dirty bool
}

func (tx *Tx) snapshotLog() logSnap {
	if tx.log == nil {
		return logSnap{}
	}
	return logSnap{had: true, size: tx.log.tree.Size(), edge: tx.log.tree.Edge(), dirty: tx.log.dirty}
}

func (tx *Tx) restoreLog(s logSnap) error {
	if !s.had {
		// Nothing had appended before: the log head row still holds the
		// state to start from.
		tx.log = nil
		return nil
	}
	hashes, err := bizlog.SplitEdge(s.size, s.edge)
	if err != nil {
		return err
	}
	tree, err := bizlog.NewTree(s.size, hashes)
	if err != nil {
		return err
	}
	tx.log = &logTx{tree: tree, dirty: s.dirty}
	return nil
}
