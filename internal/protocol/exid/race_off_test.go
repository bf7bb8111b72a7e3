//go:build !race

package exid_test

const raceEnabled = false
