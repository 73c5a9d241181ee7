package urlredirect

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// Over sqlbackend (SQLite): the DNS half answers A/AAAA of URL names with the redirector's
// addresses and everything else as the data says; the redirector redirects what the same
// data says, and a change to a row shows on both within the second.
func TestSQLBackend(t *testing.T) {
	path, db := sqlite(t)
	httpAddr := freeAddr(t)
	s := startServing(t, fmt.Sprintf(`example.org:0 {
    bind 127.0.0.1
    urlredirect {
        address 192.0.2.10 2001:db8::10
        http %s
    }
    sqlbackend {
        driver sqlite
        dsn %s
    }
}`, httpAddr, path))

	ns := []string{apexNS}
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", dns.TypeA), harness.Response{
		Authoritative: true, Answer: []string{"go.example.org. 120 IN A 192.0.2.10"}, Ns: ns,
	})
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", dns.TypeAAAA), harness.Response{
		Authoritative: true, Answer: []string{"go.example.org. 120 IN AAAA 2001:db8::10"}, Ns: ns,
	})
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", dns.TypeTXT), harness.Response{
		Authoritative: true, Answer: []string{`go.example.org. 120 IN TXT "go"`}, Ns: ns,
	})
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", rrtypes.TypeURL), harness.Response{
		Authoritative: true, Answer: []string{`go.example.org. 120 IN URL "https://www.example.com/" 302`}, Ns: ns,
	})
	// A wildcard: the owner expanded, the authority section as the data plugin gives it
	// for the URL query at that name.
	harness.AssertResponse(t, ask(t, s.UDP, "a.wild.example.org.", rrtypes.TypeURL), harness.Response{
		Authoritative: true, Answer: []string{`a.wild.example.org. 60 IN URL "https://wild.example.com/" 301`}, Ns: ns,
	})
	harness.AssertResponse(t, ask(t, s.UDP, "a.wild.example.org.", dns.TypeA), harness.Response{
		Authoritative: true, Answer: []string{"a.wild.example.org. 60 IN A 192.0.2.10"}, Ns: ns,
	})
	harness.AssertResponse(t, ask(t, s.UDP, "www.example.org.", dns.TypeA), harness.Response{
		Authoritative: true, Answer: []string{"www.example.org. 3600 IN A 192.0.2.80"}, Ns: ns,
	})
	soa := "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"
	harness.AssertResponse(t, ask(t, s.UDP, "go.example.org.", dns.TypeMX), harness.Response{
		Authoritative: true, Ns: []string{soa},
	})
	harness.AssertResponse(t, ask(t, s.UDP, "nothere.example.org.", dns.TypeA), harness.Response{
		Rcode: dns.RcodeNameError, Authoritative: true, Ns: []string{soa},
	})

	c := client(nil)
	for _, tc := range []struct {
		method, host, path string
		want               reply
	}{
		{"GET", "go.example.org", "/a/b?x=1", reply{302, "https://www.example.com/a/b?x=1", "Redirecting to https://www.example.com/a/b?x=1\n", "HTTP/1.1"}},
		{"HEAD", "go.example.org", "/", reply{302, "https://www.example.com/", "", "HTTP/1.1"}},
		{"GET", "fixed.example.org", "/ignored?q", reply{307, "https://www.example.com/landing", "Redirecting to https://www.example.com/landing\n", "HTTP/1.1"}},
		{"GET", "x.wild.example.org", "/p", reply{301, "https://wild.example.com/p", "Redirecting to https://wild.example.com/p\n", "HTTP/1.1"}},
		{"GET", "www.example.org", "/", reply{404, "", notFound, "HTTP/1.1"}},
		{"GET", "example.net", "/", reply{404, "", notFound, "HTTP/1.1"}},
		{"GET", "127.0.0.1", "/", reply{404, "", notFound, "HTTP/1.1"}},
	} {
		if got := fetch(t, c, tc.method, "http", httpAddr, tc.host, tc.path); got != tc.want {
			t.Errorf("%s %s%s:\n got %+v\nwant %+v", tc.method, tc.host, tc.path, got, tc.want)
		}
	}

	// A change to the row: the redirect and the DNS follow.
	if _, err := db.DB.Exec(`UPDATE records SET content = '"https://new.example.com/" 308' WHERE name = 'go.example.org' AND type = 'URL'`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	harness.Eventually(t, 5*time.Second, "redirect to the updated URL", func() bool {
		return fetch(t, c, "GET", "http", httpAddr, "go.example.org", "/").location == "https://new.example.com/"
	})
	t.Logf("redirect changed %s after the UPDATE", time.Since(start).Round(time.Millisecond))
	if got := fetch(t, c, "GET", "http", httpAddr, "go.example.org", "/"); got.status != 308 {
		t.Errorf("updated record: status %d", got.status)
	}

	// Deleted: a 404, never a redirect.
	if _, err := db.DB.Exec(`DELETE FROM records WHERE name = 'go.example.org' AND type = 'URL'`); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 5*time.Second, "404 for the deleted URL", func() bool {
		return fetch(t, c, "GET", "http", httpAddr, "go.example.org", "/").status == http.StatusNotFound
	})
	harness.WaitFor(t, s.UDP, "go.example.org.", rrtypes.TypeURL, func(m *dns.Msg) bool { return len(m.Answer) == 0 }, 5*time.Second)
}

const notFound = "404 not found: no redirect for this host\n"
