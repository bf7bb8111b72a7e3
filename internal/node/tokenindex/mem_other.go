//go:build !linux

package tokenindex

// allocEntries returns zeroed space for n entries from the Go heap; only
// the Linux build maps huge pages for large indexes.
func allocEntries(n int) ([]entry, func()) { return make([]entry, n), nil }
