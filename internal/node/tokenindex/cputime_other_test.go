//go:build !unix

package tokenindex_test

import "time"

// cpuTime is not measured here; the cpu-ms metric then reads 0.
func cpuTime() time.Duration { return 0 }
