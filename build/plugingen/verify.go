package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// verifyProgram links the generated package and prints every directive that no linked package
// registered. Only a real build can answer that: registration happens in each plugin's init.
const verifyProgram = `package main

import (
	"fmt"
	"strings"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"

	_ %q
)

func main() {
	registered := map[string]bool{}
	for _, name := range caddy.ListPlugins()["others"] {
		registered[strings.TrimPrefix(name, "dns.")] = true
	}
	for _, d := range dnsserver.Directives {
		if !registered[d] {
			fmt.Println(d)
		}
	}
}
`

// verifyRegistered builds and runs verifyProgram inside the module, so it resolves the same
// dependencies as the binary.
func verifyRegistered(modRoot, outDir, pkgPath, cfgPath string, entries []entry) error {
	dir, err := os.MkdirTemp(outDir, "zverify")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), fmt.Appendf(nil, verifyProgram, pkgPath), 0o644); err != nil {
		return err
	}

	cmd := exec.Command("go", "run", "-tags", "grpcnotrace", "./"+mustRel(modRoot, dir))
	cmd.Dir = modRoot
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("building the generated package %s: %w", pkgPath, err)
	}
	unregistered := strings.Fields(string(out))
	if len(unregistered) == 0 {
		return nil
	}
	lines := map[string]entry{}
	for _, e := range entries {
		lines[e.Name] = e
	}
	var msgs []string
	for _, name := range unregistered {
		e := lines[name]
		msgs = append(msgs, fmt.Sprintf("%s:%d: %q: package %s registers no plugin of that name", cfgPath, e.Line, name, e.ImportPath))
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

func mustRel(base, target string) string {
	rel, err := filepath.Rel(base, target)
	if err != nil {
		panic(err)
	}
	return filepath.ToSlash(rel)
}
