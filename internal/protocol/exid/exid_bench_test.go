package exid

import "testing"

func BenchmarkParse(b *testing.B) {
	s := FromOutput(1, make([]byte, 16)).String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}
