//go:build race

package exid_test

// raceEnabled shrinks the heaviest tests under the race detector, which
// slows the OPRF's arithmetic tenfold; CI runs them full size without it.
const raceEnabled = true
