// Package layout keeps the tree as DESIGN.md draws it: the platform and the
// node are siblings over the protocol, the RPC layer and the storage layer,
// and neither imports the other. The check reads the imports of every
// non-test Go file, so it needs no toolchain beyond the test itself. Tests
// may cross the line on purpose (the platform's relay tests answer with the
// node's real code); production code may not.
package layout

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "hulian/"

// rules says, for packages under a prefix, which prefixes they must not
// reach, directly or through any other package.
var rules = []struct {
	from   string
	banned []string
	why    string
}{
	{"internal/node", []string{"internal/platform"}, "the node speaks to the platform only over the protocol"},
	{"internal/platform", []string{"internal/node"}, "the platform knows a node only through the protocol"},
	{"internal/protocol", []string{"internal/platform", "internal/node", "internal/storage", "internal/rpc"}, "the protocol is what any implementation shares: no half, no transport, no database"},
	{"internal/storage", []string{"internal/platform", "internal/node"}, "the storage layer sits under both halves"},
	{"internal/rpc", []string{"internal/platform", "internal/node"}, "the RPC layer sits under both halves"},
	{"internal/bizlog", []string{"internal/node"}, "the log's pieces are the platform's and the verifiers'"},
	{"internal/compliance", []string{"internal/platform", "internal/node"}, "the compliance checks run on either half and in the CLI"},
}

// imports reads the module's packages and their non-test imports inside
// the module, keyed by path relative to the module root.
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, module) {
				graph[rel] = append(graph[rel], strings.TrimPrefix(imp, module))
			}
		}
		if _, ok := graph[rel]; !ok {
			graph[rel] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

// violations lists, for each rule, the packages that reach a banned one and
// the path of imports that does.
func violations(graph map[string][]string) []string {
	var out []string
	for _, r := range rules {
		for pkg := range graph {
			if !under(pkg, r.from) {
				continue
			}
			// Breadth-first over the imports, remembering how each was reached.
			via := map[string]string{pkg: ""}
			queue := []string{pkg}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				for _, imp := range graph[p] {
					if _, seen := via[imp]; seen {
						continue
					}
					via[imp] = p
					for _, b := range r.banned {
						if under(imp, b) {
							chain := []string{imp}
							for q := p; q != ""; q = via[q] {
								chain = append([]string{q}, chain...)
							}
							out = append(out, strings.Join(chain, " → ")+" ("+r.why+")")
						}
					}
					queue = append(queue, imp)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestSiblings(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	graph := imports(t, root)
	for _, must := range []string{"internal/platform", "internal/node", "internal/protocol/exid", "internal/storage", "internal/rpc", "internal/bizlog", "internal/compliance/scan"} {
		if _, ok := graph[must]; !ok {
			t.Errorf("package %s not found: the tree no longer has the box DESIGN.md names", must)
		}
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestCatchesCrossing: the check finds a crossing that is one step deep
// and one that hides behind a neutral package.
func TestCatchesCrossing(t *testing.T) {
	graph := map[string][]string{
		"internal/node/server":     {"internal/rpc"},
		"internal/rpc":             {"internal/platform/api"},
		"internal/platform/api":    {"internal/platform"},
		"internal/platform":        {"internal/node/tokenindex"},
		"internal/node/tokenindex": nil,
	}
	got := violations(graph)
	want := []string{
		"internal/node/server → internal/rpc → internal/platform/api",
		"internal/platform → internal/node/tokenindex",
		"internal/platform/api → internal/platform → internal/node/tokenindex",
		"internal/rpc → internal/platform/api",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w+" (")
		}
		if !found {
			t.Errorf("crossing %q not reported; got %q", w, got)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", "go.mod")); err != nil {
		t.Fatalf("the check must run from internal/layout: %v", err)
	}
}
