package flatten

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"

	"github.com/miekg/dns"
)

// TestChainWildcard: through Chain, the file plugin answers a question for the wildcard
// name itself with the wildcard's records, owned by the wildcard name: what Zone relies
// on to convert a wildcard ALIAS (as alias answers the owner of the ALIAS record).
func TestChainWildcard(t *testing.T) {
	z, err := file.Parse(strings.NewReader(head+"* 300 IN A 192.0.2.7\nwww 300 IN A 192.0.2.8\n"), origin, "stdin", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := file.File{Next: test.ErrorHandler(), Zones: file.Zones{Z: map[string]*file.Zone{origin: z}, Names: []string{origin}}}
	lookup := Chain(f)

	m := lookup(context.Background(), "*.example.org.", dns.TypeA)
	if m == nil || m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) != 1 {
		t.Fatalf("answer %v", m)
	}
	if a := m.Answer[0].String(); a != "*.example.org.\t300\tIN\tA\t192.0.2.7" {
		t.Errorf("answer %s", a)
	}
	if m := lookup(context.Background(), "www.example.org.", dns.TypeAAAA); m == nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 {
		t.Errorf("NODATA: %v", m)
	}
	if m := lookup(context.Background(), "other.example.net.", dns.TypeA); m == nil || m.Rcode != dns.RcodeServerFailure {
		t.Errorf("a name nobody serves: %v, want the server's SERVFAIL", m)
	}
}
