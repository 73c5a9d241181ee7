// Command coredns is the hostdns distribution of CoreDNS: every stock plugin plus ours, in the
// order plugin.cfg gives. Flags are CoreDNS's own; only -version says more.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/coredns/coredns/coremain"

	"github.com/hostdns/hostdns/distro/gcfloor"
	"github.com/hostdns/hostdns/distro/hugeheap"
	_ "github.com/hostdns/hostdns/distro/plugins" // every plugin, and the chain order
	"github.com/hostdns/hostdns/distro/stackstart"
	"github.com/hostdns/hostdns/distro/version"
	"github.com/hostdns/hostdns/plugin/abusepool/cli"
)

func main() {
	// `coredns abusepool ...` is the abusepool API's command-line client, not a server.
	if len(os.Args) > 1 && os.Args[1] == "abusepool" {
		os.Exit(cli.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	version.Identify()

	// coremain.Run parses the same flags again; parsing first lets -version name hostdns and
	// the CoreDNS release inside, which CoreDNS's own -version cannot.
	flag.Parse()
	if v := flag.Lookup("version"); v != nil && v.Value.String() == "true" {
		fmt.Print(version.Text())
		os.Exit(0)
	}
	// A floor under the collector's heap goal: see package gcfloor (HOSTDNS_GC_FLOOR).
	if _, err := gcfloor.FromEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The heap on huge pages, when asked: see package hugeheap (HOSTDNS_HEAP_HUGEPAGES).
	if _, err := hugeheap.FromEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Goroutines started with a query's stack: see package stackstart (HOSTDNS_STACK_BALLAST).
	if _, err := stackstart.FromEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	coremain.Run()
}
