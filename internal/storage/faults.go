package storage

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// FaultKind is one kind of database error a transaction met.
type FaultKind int

const (
	// FaultConflict: a serialization failure, deadlock or busy file; the
	// transaction was run again.
	FaultConflict FaultKind = iota
	// FaultRetried: the database could not serve (connection lost or
	// refused, server shutting down, read-only) before the commit; the
	// transaction was run again on another connection.
	FaultRetried
	// FaultUnavailable: still unavailable after the retries, or lost during
	// the commit; the caller was told to retry.
	FaultUnavailable
	numFaultKinds
)

var faultNames = [numFaultKinds]string{"conflict", "unavailable_retried", "unavailable"}

func (k FaultKind) String() string { return faultNames[k] }

// faults counts the database errors of one DB by kind, for operators
// (DESIGN.md: an operator sees what happens during each fault). Counting
// is a few atomic adds; the metrics read the counts when scraped.
type faults struct{ n [numFaultKinds]atomic.Uint64 }

func (f *faults) add(k FaultKind) {
	if f != nil {
		f.n[k].Add(1)
	}
}

// Faults returns how many errors of kind k the database's transactions
// have met since it was opened.
func (db *DB) Faults(k FaultKind) uint64 { return db.faults.n[k].Load() }

// FaultMetrics is the database's error counts as one Prometheus counter,
// NAME{kind="…"}.
func (db *DB) FaultMetrics(name string) prometheus.Collector {
	return &faultCollector{db: db, desc: prometheus.NewDesc(name, "Database errors met by transactions, by kind: conflict (retried), unavailable_retried (before commit, retried), unavailable (returned to the caller).", []string{"kind"}, nil)}
}

type faultCollector struct {
	db   *DB
	desc *prometheus.Desc
}

func (c *faultCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *faultCollector) Collect(ch chan<- prometheus.Metric) {
	for k := FaultKind(0); k < numFaultKinds; k++ {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.db.Faults(k)), k.String())
	}
}
