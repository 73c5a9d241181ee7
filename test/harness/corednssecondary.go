package harness

import (
	"fmt"
	"strings"
	"testing"
)

// startCoreDNSSecondary runs the coredns binary under test (Binary) with CoreDNS's own
// secondary plugin for the zones of o, one server block on 127.0.0.1:port. The plugin has no
// TSIG and accepts NOTIFY from the addresses it transfers from; the transfer plugin lets
// tests AXFR what it holds. With a catalog, the catalog's members are served by the same
// block (its key is the root, so any member name reaches the plugin).
func startCoreDNSSecondary(t testing.TB, dir string, port int, o SecondaryOptions) *Process {
	t.Helper()
	if o.Key != nil {
		t.Fatal("StartSecondary coredns: the secondary plugin has no TSIG; start it without Key")
	}
	return StartBinaryWith(t, coreDNSSecondaryCorefile(port, o), BinaryOptions{
		Dir:   dir,
		Ready: fmt.Sprintf("127.0.0.1:%d", port),
	})
}

func coreDNSSecondaryCorefile(port int, o SecondaryOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".:%d {\n\tbind 127.0.0.1\n", port)
	if len(o.Zones) > 0 {
		fmt.Fprintf(&b, "\tsecondary %s {\n\t\ttransfer from %s\n\t}\n", strings.Join(o.Zones, " "), o.Primary)
	}
	if o.Catalog != "" {
		fmt.Fprintf(&b, "\tsecondary %s {\n\t\ttransfer from %s\n\t\tcatalog\n\t}\n", o.Catalog, o.Primary)
	}
	b.WriteString("\ttransfer {\n\t\tto *\n\t}\n}\n")
	return b.String()
}
