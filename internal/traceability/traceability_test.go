// Package traceability checks docs/traceability.md against the code: every
// test it names for a clause exists in the package it names, so the table
// cannot point at a test that was renamed or removed.
package traceability

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// A test cell reads: `internal/pkg` TestA, TestB (note); `internal/other` TestC …
	pkgRef  = regexp.MustCompile("`((?:internal|cmd)/[a-z0-9_/]+)`")
	funcRef = regexp.MustCompile(`\b((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)`)
	row     = regexp.MustCompile(`^\| ([A-Z]-[A-Z]*\d*[A-Z]?\d*) \|`)
)

func TestTestsExist(t *testing.T) {
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "docs", "traceability.md"))
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]map[string]bool{} // package dir → declared test functions
	declared := func(pkg string) map[string]bool {
		if f, ok := funcs[pkg]; ok {
			return f
		}
		f := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(root, pkg, "*_test.go"))
		decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w+)\(`)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
				f[m[1]] = true
			}
		}
		funcs[pkg] = f
		return f
	}
	rows, refs := 0, 0
	for n, line := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		cells := strings.Split(line, " | ")
		if len(cells) < 5 {
			t.Errorf("line %d (%s): %d cells, want 5", n+1, m[1], len(cells))
			continue
		}
		status := cells[2]
		tests := strings.TrimSuffix(cells[4], " |")
		if (status == "done" || status == "partial") && !funcRef.MatchString(tests) {
			t.Errorf("line %d (%s): %s without a test", n+1, m[1], status)
		}
		// Each package reference governs the test names up to the next one.
		locs := pkgRef.FindAllStringSubmatchIndex(tests, -1)
		for i, loc := range locs {
			end := len(tests)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			pkg := tests[loc[2]:loc[3]]
			if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
				t.Errorf("line %d (%s): package %s does not exist", n+1, m[1], pkg)
				continue
			}
			// Names after " — " describe what is still to come, not tests.
			seg, _, _ := strings.Cut(tests[loc[1]:end], " — ")
			for _, f := range funcRef.FindAllString(seg, -1) {
				refs++
				if !declared(pkg)[f] {
					t.Errorf("line %d (%s): %s has no %s", n+1, m[1], pkg, f)
				}
			}
		}
	}
	if rows < 90 || refs < 100 {
		t.Fatalf("read %d rows and %d test references: is the table's format changed?", rows, refs)
	}
}
