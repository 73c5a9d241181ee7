package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed distro/plugins must be what plugin.cfg produces: a plugin.cfg edit without
// ./build/generate.sh would otherwise ship a binary with the old chain.
func TestGeneratedUpToDate(t *testing.T) {
	if err := run("../../plugin.cfg", "../../distro/plugins", true, false); err != nil {
		t.Fatal(err)
	}
}

// Editing plugin.cfg without regenerating must be caught by the check above.
func TestCheckDetectsStaleOutput(t *testing.T) {
	cfg := readRepoConfig(t)
	edited := strings.Replace(cfg, "\nwhoami:whoami\n", "\n", 1) + "whoami:whoami\n" // same plugins, new order
	if edited == cfg+"whoami:whoami\n" {
		t.Fatal("plugin.cfg has no whoami line to move")
	}
	path := writeTemp(t, edited)
	err := run(path, "../../distro/plugins", true, false)
	if err == nil || !strings.Contains(err.Error(), "out of date") {
		t.Fatalf("expected an out-of-date error, got %v", err)
	}
}

func TestDroppedStockPluginFails(t *testing.T) {
	cfg := strings.Replace(readRepoConfig(t), "\nfile:file\n", "\n", 1)
	err := run(writeTemp(t, cfg), "../../distro/plugins", true, false)
	if err == nil || !strings.Contains(err.Error(), "drops stock CoreDNS plugins file") {
		t.Fatalf("expected the dropped stock plugin to be named, got %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	stockDir := filepath.Join(coreDNSDirT(t), "plugin")
	tests := []struct {
		cfg, want string
	}{
		{"file:file\nfile:file\n", "line 2: plugin \"file\" is already listed on line 1"},
		{"# comment\n\nfile\n", "line 3: \"file\" is not <name>:<package>"},
		{"file:\n", "line 1"},
		{"fil e:file\n", "line 1"},
		{"nosuch:nosuch\n", "line 1: \"nosuch\" is not a stock CoreDNS plugin package"},
	}
	for _, tc := range tests {
		_, err := parseConfig(strings.NewReader(tc.cfg), stockDir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseConfig(%q) = %v, want error containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestParseConfigResolvesPackages(t *testing.T) {
	stockDir := filepath.Join(coreDNSDirT(t), "plugin")
	entries, err := parseConfig(strings.NewReader("prometheus:metrics\n  # indented comment\non:github.com/coredns/caddy/onevent\n"), stockDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []entry{
		{Name: "prometheus", ImportPath: "github.com/coredns/coredns/plugin/metrics", Line: 1},
		{Name: "on", ImportPath: "github.com/coredns/caddy/onevent", Line: 3},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %+v, want %+v", entries, want)
	}
	for i := range want {
		if entries[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, entries[i], want[i])
		}
	}
}

func readRepoConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../plugin.cfg")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plugin.cfg")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func coreDNSDirT(t *testing.T) string {
	t.Helper()
	dir, err := coreDNSDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
