// Command plugingen turns plugin.cfg into the Go package that links every plugin into the
// coredns binary and fixes the order of the chain (distro/plugins by default).
//
// It fails, naming the problem, when plugin.cfg drops a stock CoreDNS plugin, lists a package
// that does not exist, or lists a plugin whose package does not register that name.
//
//	go run ./build/plugingen             regenerate distro/plugins from plugin.cfg
//	go run ./build/plugingen -check      exit 1 when distro/plugins is out of date
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	cfgPath := flag.String("cfg", "plugin.cfg", "plugin list to read")
	outDir := flag.String("out", "distro/plugins", "package directory to write")
	check := flag.Bool("check", false, "only report whether the generated files are up to date")
	verify := flag.Bool("verify", true, "build the result and check every listed plugin registers")
	flag.Parse()

	if err := run(*cfgPath, *outDir, *check, *verify); err != nil {
		fmt.Fprintln(os.Stderr, "plugingen:", err)
		os.Exit(1)
	}
}

func run(cfgPath, outDir string, check, verify bool) error {
	modRoot, modPath, err := findModule(outDir)
	if err != nil {
		return err
	}
	stockDir, err := coreDNSDir(modRoot)
	if err != nil {
		return err
	}

	entries, err := parseFile(cfgPath, filepath.Join(stockDir, "plugin"))
	if err != nil {
		return err
	}
	stock, err := parseFile(filepath.Join(stockDir, "plugin.cfg"), filepath.Join(stockDir, "plugin"))
	if err != nil {
		return fmt.Errorf("reading CoreDNS's own plugin list: %w", err)
	}
	if missing := missingStock(entries, stock); len(missing) > 0 {
		return fmt.Errorf("%s drops stock CoreDNS plugins %s: hostdns ships every stock plugin", cfgPath, strings.Join(missing, ", "))
	}

	absOut, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(modRoot, absOut)
	if err != nil {
		return err
	}
	pkgPath := modPath + "/" + filepath.ToSlash(rel)

	files, err := render(pkgPath, entries)
	if err != nil {
		return err
	}

	if check {
		var stale []string
		for name, want := range files {
			have, err := os.ReadFile(filepath.Join(outDir, name))
			if err != nil || !bytes.Equal(have, want) {
				stale = append(stale, filepath.Join(outDir, name))
			}
		}
		if len(stale) > 0 {
			return fmt.Errorf("%s out of date with %s: run ./build/generate.sh", strings.Join(stale, ", "), cfgPath)
		}
		return nil
	}

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), src, 0o644); err != nil {
			return err
		}
	}
	if verify {
		return verifyRegistered(modRoot, absOut, pkgPath, cfgPath, entries)
	}
	return nil
}

func parseFile(path, stockDir string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := parseConfig(f, stockDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// findModule walks up from dir to the go.mod that owns it.
func findModule(dir string) (root, modPath string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return d, strings.Trim(strings.TrimSpace(rest), `"`), nil
				}
			}
			return "", "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("no go.mod above %s", abs)
		}
	}
}

// coreDNSDir is the CoreDNS module source the build uses: its plugin.cfg is the stock list.
// `go mod download` fetches it into the module cache when it is not there yet (a fresh
// machine) and reports where it is; `go list -m` would only report an empty directory.
func coreDNSDir(modRoot string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/coredns/coredns")
	cmd.Dir = modRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if jsonErr := json.Unmarshal(out, &mod); jsonErr == nil && mod.Error != "" {
		return "", fmt.Errorf("downloading the CoreDNS module: %s", mod.Error)
	}
	if err != nil {
		return "", fmt.Errorf("downloading the CoreDNS module: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	if mod.Dir == "" {
		return "", fmt.Errorf("go mod download reported no directory for the CoreDNS module: %s", out)
	}
	return mod.Dir, nil
}
