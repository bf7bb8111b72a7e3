package demo

import (
	"testing"
)

func TestBuildDatasetSizes(t *testing.T) {
	for _, rows := range []int{3000, 4000, 10000, 40000, 160000, 1000000} {
		d, err := BuildDataset(rows, 1000, 1)
		if err != nil {
			t.Fatalf("%d: %v", rows, err)
		}
		for _, tag := range d.Tags {
			sum := 0
			for i, c := range tag.Counts {
				if c < 1000 {
					t.Errorf("%d rows: %s=%s has %d", rows, tag.Key, tag.Values[i], c)
				}
				sum += c
			}
			if sum != rows || len(tag.assign) != rows {
				t.Errorf("%d rows: %s sums to %d", rows, tag.Key, sum)
			}
			t.Logf("%d: %s %v %v", rows, tag.Key, tag.Values, tag.Counts)
		}
	}
	if _, err := BuildDataset(2999, 1000, 1); err == nil {
		t.Error("2999 rows sized")
	}
}
