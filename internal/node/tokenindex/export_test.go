package tokenindex

// SetWarmDensity sets how many cache lines per lookup Join reads ahead, for
// benchmarks that compare it with reading every partition ahead; it
// returns the previous value.
func SetWarmDensity(n int) int {
	old := warmDensity
	warmDensity = n
	return old
}
