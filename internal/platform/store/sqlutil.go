package store

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }

// pageSize is the rows a listing returns for a requested limit: 100 when
// none is asked for, never more than 1,000.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > 1000:
		return 1000
	}
	return limit
}
