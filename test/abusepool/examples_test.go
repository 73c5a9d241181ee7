package abusepool

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// examplePorts are the ports the examples name; each gets a free one, as test/e2e does.
var examplePorts = regexp.MustCompile(`:(1053|6053|8080|8181|9153)\b`)

// readExample returns the example's Corefile with its ports moved to free ones, and the
// mapping (":1053" -> "127.0.0.1:NNNNN").
func readExample(t *testing.T, root, name string) (string, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "corefile-examples", name, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]string{}
	out := examplePorts.ReplaceAllStringFunc(string(b), func(m string) string {
		if ports[m] == "" {
			ports[m] = ":" + strconv.Itoa(harness.FreePort(t))
		}
		return ports[m]
	})
	addrs := map[string]string{}
	for k, v := range ports {
		addrs[k] = "127.0.0.1" + v
	}
	return out, addrs
}

// The abuse-front example starts from the repository root and does what its comments say:
// answers from its zone, TC for ANY over UDP, the rnd names answered by the abuse pool, its
// rules over the API.
func TestExampleAbuseFront(t *testing.T) {
	root := harness.ModuleRoot(t)
	t.Chdir(root)
	corefile, addrs := readExample(t, root, "abuse-front")
	harness.StartServer(t, corefile)
	front := addrs[":1053"]

	harness.AssertResponse(t, ask(t, front, "udp", "", "www.example.org.", dns.TypeA), harness.Response{
		Authoritative: true,
		Answer:        []string{"www.example.org. 3600 IN A 192.0.2.80"},
		Ns:            []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."},
	})
	m := ask(t, front, "udp", "", "example.org.", dns.TypeANY)
	harness.AssertResponse(t, m, harness.Response{Truncated: true})
	assertQuestion(t, m, "example.org.", dns.TypeANY)
	// Over TCP ANY passes to the file plugin, which answers it with NODATA.
	harness.AssertResponse(t, ask(t, front, "tcp", "", "example.org.", dns.TypeANY), harness.Response{
		Authoritative: true,
		Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026120601 7200 3600 1209600 300"},
	})

	poolAnswered := func() float64 {
		return harness.MetricSumWhere(t, "coredns_abusepool_pool_requests_total", map[string]string{"pool": "abuse", "result": "answered"})
	}
	before := poolAnswered()
	harness.AssertResponse(t, ask(t, front, "udp", "", "x1.rnd.example.org.", dns.TypeA), harness.Response{
		Rcode:         dns.RcodeNameError,
		Authoritative: true,
		Ns:            []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026120601 7200 3600 1209600 300"},
	})
	if after := poolAnswered(); after != before+1 {
		t.Errorf("pool abuse answered %v queries, want %v: x1.rnd.example.org was not answered by the pool", after, before+1)
	}

	api := apiServer{base: "http://" + addrs[":8080"]}
	rs := api.rules(t)
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != "any-to-tcp shunt-rnd limit-lab" {
		t.Errorf("rules over the API: %v, want the Corefile's three in order", ids)
	}
}

// The provider-abusepool example starts over a MariaDB loaded with its seed.sql and a Redis:
// sqlbackend answers below abusepool, ANY gets TC over UDP, and the server gets ready.
func TestExampleProvider(t *testing.T) {
	root := harness.ModuleRoot(t)
	corefile, addrs := readExample(t, root, "provider-abusepool")
	db := harness.NewPowerDNSDatabase(t, filepath.Join(root, "corefile-examples", "provider-abusepool", "seed.sql"))
	r := harness.NewRedis(t)
	corefile = strings.ReplaceAll(corefile, "hostdns:abusepool:provider:", r.Prefix)
	t.Setenv("HOSTDNS_MYSQL_DSN", db.DSN)
	t.Setenv("HOSTDNS_REDIS_ADDR", r.Addr)
	harness.StartServer(t, corefile)
	addr := addrs[":1053"]

	m := harness.WaitFor(t, addr, "www.example.com.", dns.TypeA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 10*time.Second)
	if len(m.Answer) != 1 || m.Answer[0].String() != "www.example.com.\t3600\tIN\tA\t192.0.2.80" || !m.Authoritative {
		t.Errorf("www.example.com A: %v", m)
	}
	m = ask(t, addr, "udp", "", "example.net.", dns.TypeANY)
	harness.AssertResponse(t, m, harness.Response{Truncated: true})
	assertQuestion(t, m, "example.net.", dns.TypeANY)

	harness.Eventually(t, 10*time.Second, "/ready to answer 200", func() bool {
		resp, err := http.Get("http://" + addrs[":8181"] + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
