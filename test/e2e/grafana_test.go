package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// grafanaUnscraped are metrics the dashboard uses that the test's server does not export,
// each with the reason: a vector appears in /metrics only once a series of it has been
// touched, and these need an event the test does not stage. Every one must still be
// documented in its plugin's README (checked below), so a typo cannot hide here.
var grafanaUnscraped = map[string]string{
	"coredns_alias_upstream_request_duration_seconds_bucket": "only after an exchange with an upstream; the example's ALIAS targets are in-zone",
	"coredns_alias_upstream_failures_total":                  "only after a failed upstream exchange",
	"coredns_alias_stale_answers_total":                      "only when an expired address is served during an upstream failure",
	"coredns_sqlbackend_db_errors_total":                     "only after a failed database operation",
	"coredns_sqlsign_signing_failures_total":                 "only when a signature cannot be made",
}

// grafanaPanel is the part of a dashboard panel with queries.
type grafanaPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

var metricName = regexp.MustCompile(`\bcoredns_[a-z0-9_]+`)

// dashboardMetrics returns every coredns_* metric name in a panel query of
// distro/grafana/hostdns.json, with the panel titles that use it.
func dashboardMetrics(t *testing.T, root string) map[string][]string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(root, "distro", "grafana", "hostdns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string         `json:"title"`
		UID    string         `json:"uid"`
		Panels []grafanaPanel `json:"panels"`
	}
	if err := json.Unmarshal(content, &dash); err != nil {
		t.Fatalf("hostdns.json: %v", err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Errorf("hostdns.json: no title or uid")
	}
	used := map[string][]string{}
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					t.Errorf("panel %q: a target without expr", p.Title)
				}
				for _, m := range metricName.FindAllString(tg.Expr, -1) {
					used[m] = append(used[m], p.Title)
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	if len(used) < 20 {
		t.Fatalf("hostdns.json uses only %d metrics: %v", len(used), used)
	}
	return used
}

// TestGrafanaDashboardMetricsExist starts the built binary with every plugin of ours and
// the prometheus plugin, stages the events that make most series appear (answers, ALIAS,
// POOL, signed answers, a redirect, a 404, a TLS handshake that asks for a certificate),
// scrapes /metrics and checks that every metric a dashboard panel queries is exported.
func TestGrafanaDashboardMetricsExist(t *testing.T) {
	root := harness.ModuleRoot(t)
	used := dashboardMetrics(t, root)
	exported := scrapeAllPlugins(t, root)

	var missing []string
	for m, panels := range used {
		if exported[m] {
			continue
		}
		if _, ok := grafanaUnscraped[m]; ok {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s (panels %q)", m, panels))
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the dashboard queries metrics the binary does not export:\n%s", strings.Join(missing, "\n"))
	}
	// The allow-list holds only documented metrics, and none the server exports anyway.
	docs := ""
	for _, p := range []string{"sqlbackend", "alias", "pool", "sqlsign", "urlredirect"} {
		b, err := os.ReadFile(filepath.Join(root, "plugin", p, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		docs += string(b)
	}
	for m := range grafanaUnscraped {
		base := strings.TrimSuffix(m, "_bucket")
		if !strings.Contains(docs, "`"+base) {
			t.Errorf("allow-listed %s is not documented in any plugin README", m)
		}
		if exported[m] {
			t.Errorf("allow-listed %s is exported after all: take it off the list", m)
		}
	}
}

// scrapeAllPlugins runs the server and returns the metric names of its /metrics (sample
// names, so histograms show as NAME_bucket, NAME_sum and NAME_count).
func scrapeAllPlugins(t *testing.T, root string) map[string]bool {
	t.Helper()
	ex := filepath.Join(root, "corefile-examples")
	db := harness.NewPowerDNSDatabase(t, filepath.Join(ex, "url-redirector-mariadb", "seed.sql"))
	state := t.TempDir()
	p1, p2, p3 := harness.FreePort(t), harness.FreePort(t), harness.FreePort(t)
	metrics := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	httpAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	httpsAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	corefile := fmt.Sprintf(`example.org:%[1]d {
    bind 127.0.0.1
    prometheus %[4]s
    sqlsign
    alias
    sqlbackend {
        driver sqlite
        dsn %[5]s/sign.db
        seed %[6]s/dnssec-sql/zones.sql
    }
}
example.org:%[2]d {
    bind 127.0.0.1
    prometheus %[4]s
    alias
    pool {
        health tcp 9
        interval 1s
        timeout 100ms
        fails 1
        member_metrics
    }
    sqlbackend {
        driver sqlite
        dsn %[5]s/pool.db
        seed %[6]s/alias-pool-sql/zones.sql
    }
}
example.org:%[3]d {
    bind 127.0.0.1
    prometheus %[4]s
    urlredirect {
        address 127.0.0.1
        http %[7]s
        https %[8]s
        cert_source acme {
            ca https://127.0.0.1:1/directory
            email hostmaster@example.org
            storage dir:%[5]s/acme
        }
    }
    sqlbackend {
        driver mysql
        dsn %[9]s
        redis 127.0.0.1:6379
    }
}
`, p1, p2, p3, metrics, state, ex, httpAddr, httpsAddr, db.DSN)
	proc := harness.StartBinaryWith(t, corefile, harness.BinaryOptions{Dir: state})

	signed := harness.Query("www.example.org.", dns.TypeA)
	signed.SetEdns0(1232, true)
	for _, q := range []struct {
		port int
		msg  *dns.Msg
	}{
		{p1, signed}, {p1, signed}, {p1, harness.Query("example.org.", dns.TypeA)},
		{p2, harness.Query("www.example.org.", dns.TypeA)}, {p2, harness.Query("example.org.", dns.TypeA)},
		{p3, harness.Query("go.example.org.", dns.TypeA)}, {p3, harness.Query("nothere.example.org.", dns.TypeA)},
	} {
		addr := fmt.Sprintf("127.0.0.1:%d", q.port)
		harness.WaitFor(t, addr, q.msg.Question[0].Name, q.msg.Question[0].Qtype, func(m *dns.Msg) bool { return m.Rcode != dns.RcodeServerFailure }, 10*time.Second)
		harness.Exchange(t, addr, q.msg, "udp")
	}
	client := &nethttp.Client{Timeout: 5 * time.Second, CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}
	for _, host := range []string{"go.example.org", "nothere.example.org"} {
		req, _ := nethttp.NewRequest("GET", "http://"+httpAddr+"/", nil)
		req.Host = host
		if resp, err := client.Do(req); err != nil {
			t.Errorf("GET http://%s/: %v", host, err)
		} else {
			resp.Body.Close()
		}
	}
	// A name without a URL record: the acme source refuses it without asking the CA.
	if conn, err := tls.Dial("tcp", httpsAddr, &tls.Config{ServerName: "nothere.example.org", InsecureSkipVerify: true}); err == nil {
		conn.Close()
	}

	var names map[string]bool
	// The pool's members (192.0.2.x, TEST-NET) fail their checks; once all are down, a
	// pick among them all is counted.
	poolAddr := fmt.Sprintf("127.0.0.1:%d", p2)
	harness.Eventually(t, 10*time.Second, "the pool's health checks and the certificate decision show in /metrics", func() bool {
		harness.Exchange(t, poolAddr, harness.Query("www.example.org.", dns.TypeA), "udp")
		names = scrapeNames(t, "http://"+metrics+"/metrics")
		return names["coredns_pool_member_healthy"] && names["coredns_pool_all_down_total"] && names["coredns_urlredirect_certificates_total"]
	})
	if t.Failed() {
		t.Logf("server output:\n%s", proc.Output())
	}
	return names
}

// scrapeNames returns the sample names of a Prometheus text exposition.
func scrapeNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	resp, err := (&nethttp.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	return sampleNames(resp.Body)
}

// sampleNames returns the metric names of the sample lines of a Prometheus text exposition
// (comments and blank lines skipped; a name ends at its labels or its value).
func sampleNames(r io.Reader) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(io.LimitReader(r, 64<<20))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

func TestSampleNames(t *testing.T) {
	got := sampleNames(strings.NewReader(sampleExposition))
	want := "map[coredns_dns_responses_total:true coredns_x_bucket:true coredns_y:true]"
	if fmt.Sprint(got) != want {
		t.Errorf("sampleNames = %v, want %s", got, want)
	}
}

const sampleExposition = `# HELP coredns_dns_responses_total Counter of response status codes.
# TYPE coredns_dns_responses_total counter
coredns_dns_responses_total{rcode="NOERROR",server="dns://:53"} 3

coredns_x_bucket{le="0.1"} 1
coredns_y 0
{bad} 1
`

// FuzzSampleNames: every name found is a non-empty prefix of a line, free of the
// characters that end a name.
func FuzzSampleNames(f *testing.F) {
	f.Add(sampleExposition)
	f.Add("")
	f.Add("#\n{\n \n")
	f.Fuzz(func(t *testing.T, text string) {
		for name := range sampleNames(strings.NewReader(text)) {
			if name == "" || strings.ContainsAny(name, "{ \n") || !strings.Contains(text, name) {
				t.Errorf("name %q from %q", name, text)
			}
		}
	})
}
