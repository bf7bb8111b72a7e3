//go:build race

package api_test

// raceEnabled: the race detector multiplies memory and slows argon2, so the
// tests that measure memory skip under it; CI runs them again without it.
const raceEnabled = true
