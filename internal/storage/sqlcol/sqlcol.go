// Package sqlcol describes table columns to the storage engines, for
// statements whose form differs between them (multi-row inserts). It is
// its own package so that package store and both engines can import it.
package sqlcol

import "strings"

// Column is a column of a multi-row insert.
type Column struct {
	Name string
	// Type is the column's PostgreSQL type (text, bigint, boolean,
	// timestamptz, bytea): PostgreSQL binds each column as one array of
	// it. SQLite ignores it.
	Type string
}

// Of reads columns written "name type", e.g. Of("seq bigint", "kind text").
func Of(specs ...string) []Column {
	out := make([]Column, len(specs))
	for i, s := range specs {
		name, typ, ok := strings.Cut(s, " ")
		if !ok {
			panic("sqlcol: column without a type: " + s)
		}
		out[i] = Column{Name: name, Type: typ}
	}
	return out
}
