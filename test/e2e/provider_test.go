package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	nethttp "net/http"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// TestProviderExampleEveryPlugin starts corefile-examples/provider-mariadb-redis (the
// Corefile docs/operators-guide.md shows) on MariaDB and Redis and checks each plugin's part
// of it as a client sees it: a signed answer, an ALIAS at the apex, the redirector's address
// for a URL name and its redirect, a POOL member, and readiness. TestCorefileExamples checks
// only that its zones answer their SOA.
func TestProviderExampleEveryPlugin(t *testing.T) {
	root := harness.ModuleRoot(t)
	dir := filepath.Join(root, "corefile-examples", "provider-mariadb-redis")
	content, err := os.ReadFile(filepath.Join(dir, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	corefile, ports := freePorts(t, string(content))
	db := harness.NewPowerDNSDatabase(t, filepath.Join(dir, "seed.sql"))
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{
		Env: []string{"HOSTDNS_MYSQL_DSN=" + db.DSN, "HOSTDNS_REDIS_ADDR=127.0.0.1:6379"},
	})
	addr := "127.0.0.1" + ports[":1053"]
	waitForSOA(t, addr, "example.net.", proc)

	signed := harness.Query("www.example.com.", dns.TypeA)
	signed.SetEdns0(1232, true)
	resp := harness.Exchange(t, addr, signed, "udp")
	if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 2 || resp.Answer[1].Header().Rrtype != dns.TypeRRSIG {
		t.Errorf("www.example.com A with DO: want the A record and its RRSIG, got\n%v", resp)
	}
	for name, want := range map[string]string{
		"example.net.":    "example.net.\t60\tIN\tA\t192.0.2.80",     // ALIAS to lb.example.net, at its TTL (the lower)
		"go.example.net.": "go.example.net.\t300\tIN\tA\t192.0.2.10", // URL: the redirector
	} {
		resp := harness.Exchange(t, addr, harness.Query(name, dns.TypeA), "udp")
		if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 || resp.Answer[0].String() != want {
			t.Errorf("%s A: want %q, got\n%v", name, want, resp)
		}
	}
	resp = harness.Exchange(t, addr, harness.Query("www.example.net.", dns.TypeA), "udp")
	if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) == 0 || resp.Answer[0].Header().Rrtype != dns.TypeCNAME {
		t.Errorf("www.example.net A (POOL): want a CNAME to a member first, got\n%v", resp)
	}

	client := &nethttp.Client{Timeout: 5 * time.Second, CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}
	req, _ := nethttp.NewRequest("GET", "http://127.0.0.1"+ports[":80"]+"/", nil)
	req.Host = "go.example.net"
	if r, err := client.Do(req); err != nil {
		t.Errorf("GET http://go.example.net/: %v", err)
	} else {
		r.Body.Close()
		if r.StatusCode != nethttp.StatusFound || r.Header.Get("Location") != "https://www.example.com/" {
			t.Errorf("GET http://go.example.net/: %s Location %q, want 302 to https://www.example.com/", r.Status, r.Header.Get("Location"))
		}
	}
	for listen, path := range map[string]string{":8181": "/ready", ":8080": "/health", ":9153": "/metrics"} {
		r, err := client.Get("http://127.0.0.1" + ports[listen] + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			continue
		}
		r.Body.Close()
		if r.StatusCode != nethttp.StatusOK {
			t.Errorf("GET %s: %s, want 200", path, r.Status)
		}
	}
}
