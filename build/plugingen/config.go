package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// stockPrefix is where a bare package name in plugin.cfg ("file:file") lives.
const stockPrefix = "github.com/coredns/coredns/plugin/"

// entry is one plugin line of plugin.cfg.
type entry struct {
	Name       string // the Corefile directive
	ImportPath string // the Go package that registers it
	Line       int
}

// parseConfig reads plugin.cfg in CoreDNS's "<name>:<package>" format. A bare package is
// resolved against the stock plugin folder of the CoreDNS module (stockDir), so a typo in a
// stock name fails here, naming the line, instead of as a confusing compile error later.
func parseConfig(r io.Reader, stockDir string) ([]entry, error) {
	var entries []entry
	seen := map[string]int{}
	scanner := bufio.NewScanner(r)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, pkg, ok := strings.Cut(line, ":")
		name, pkg = strings.TrimSpace(name), strings.TrimSpace(pkg)
		if !ok || name == "" || pkg == "" || strings.ContainsAny(name, " \t") || strings.ContainsAny(pkg, " \t") {
			return nil, fmt.Errorf("line %d: %q is not <name>:<package>", n, line)
		}
		if first, dup := seen[name]; dup {
			return nil, fmt.Errorf("line %d: plugin %q is already listed on line %d", n, name, first)
		}
		seen[name] = n

		importPath := pkg
		if !strings.Contains(pkg, "/") {
			if _, err := os.Stat(filepath.Join(stockDir, pkg)); err != nil {
				return nil, fmt.Errorf("line %d: %q is not a stock CoreDNS plugin package (nothing at %s); use a full import path for other plugins", n, pkg, filepath.Join(stockDir, pkg))
			}
			importPath = stockPrefix + pkg
		}
		entries = append(entries, entry{Name: name, ImportPath: importPath, Line: n})
	}
	return entries, scanner.Err()
}

// missingStock returns the plugins of CoreDNS's own plugin.cfg that ours does not list: the
// distribution promises every stock plugin, so dropping one must be a deliberate code change.
func missingStock(ours, stock []entry) []string {
	have := map[string]bool{}
	for _, e := range ours {
		have[e.Name] = true
	}
	var missing []string
	for _, e := range stock {
		if !have[e.Name] {
			missing = append(missing, e.Name)
		}
	}
	return missing
}
