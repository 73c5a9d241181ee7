package aliaspool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// The Corefile examples start (their port replaced, from the repository root as the
// examples test runs them) and answer as their comments say: the same zone, from a zone
// file and from SQL (sqlbackend on SQLite, its file moved into the test's directory).
func TestExamples(t *testing.T) {
	root := repoRoot(t)
	t.Chdir(root)
	for _, dir := range []string{"alias-pool", "alias-pool-sql"} {
		t.Run(dir, func(t *testing.T) {
			corefile, err := os.ReadFile(filepath.Join(root, "corefile-examples", dir, "Corefile"))
			if err != nil {
				t.Fatal(err)
			}
			cf := strings.ReplaceAll(string(corefile), ":1053", ":0")
			cf = strings.ReplaceAll(cf, "corefile-examples/alias-pool-sql/zones.db", filepath.Join(t.TempDir(), "zones.db"))
			s := startServing(t, cf, "example.org.")
			// The SOA of a negative answer: file sends it as it is, sqlbackend
			// with min(TTL, MINIMUM) as RFC 2308 3 says.
			negSOA := exampleSOA
			if dir == "alias-pool-sql" {
				negSOA = strings.Replace(exampleSOA, " 3600 IN SOA", " 300 IN SOA", 1)
			}
			both(t, s, func(t *testing.T, addr, network string) { checkExampleZone(t, addr, network, negSOA) })
		})
	}
}

const exampleSOA = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112101 7200 3600 1209600 300"

func checkExampleZone(t *testing.T, addr, network, negSOA string) {
	ns := []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."}
	soa := exampleSOA
	harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeSOA), harness.Response{
		Authoritative: true,
		Answer:        []string{soa},
		Ns:            ns,
	})
	harness.AssertResponse(t, ask(t, addr, network, "example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"example.org. 60 IN A 192.0.2.80"},
		Ns:            ns,
	})
	harness.AssertResponse(t, ask(t, addr, network, "example.org.", 65401), harness.Response{
		Authoritative: true,
		Answer:        []string{"example.org. 300 IN ALIAS lb.example.org."},
		Ns:            ns,
	})
	harness.AssertResponse(t, ask(t, addr, network, "shop.example.org.", dns.TypeAAAA), harness.Response{
		Authoritative: true,
		Answer:        []string{"shop.example.org. 60 IN AAAA 2001:db8::80"},
		Ns:            ns,
	})
	harness.AssertResponse(t, ask(t, addr, network, "plain.example.org.", dns.TypeAAAA), harness.Response{
		Authoritative: true,
		Ns:            []string{negSOA},
	})
	addrs := map[string]string{"web1.example.org.": "192.0.2.81", "web2.example.org.": "192.0.2.82", "web3.example.org.": "192.0.2.83"}
	seen := map[string]bool{}
	for range 60 {
		r := ask(t, addr, network, "www.example.org.", dns.TypeA)
		if len(r.Answer) != 2 {
			t.Fatalf("pool answer:\n%s", r)
		}
		member := r.Answer[0].(*dns.CNAME).Target
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer:        []string{"www.example.org. 30 IN CNAME " + member, member + " 3600 IN A " + addrs[member]},
			Ns:            ns,
		})
		seen[member] = true
	}
	if len(seen) != 3 {
		t.Errorf("members picked %v, want all three", seen)
	}
}
