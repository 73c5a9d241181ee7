package compare_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/test/harness"
)

// sentinel is asked last of hostdns: once its answer is in the dnstap file, every earlier
// one is (the dnstap plugin writes from one queue, in order).
var sentinel = question{"sentinel.example.org.", dns.TypeTXT, "udp", 1232, false, true}

func TestCompareAgainstPowerDNS(t *testing.T) {
	s := startServers(t)
	dir := t.TempDir()

	// The captures: every question asked of PowerDNS for real, into a pcap; and of hostdns,
	// which logs them with its dnstap plugin.
	pc := newPcapFile(t, filepath.Join(dir, "pdns.pcap"))
	for _, q := range questions {
		pc.exchange(s.pdns, q)
		if _, _, err := (&dns.Client{Net: q.network, Timeout: 5 * time.Second}).Exchange(q.msg(), s.hostdns); err != nil {
			t.Fatalf("asking hostdns %s: %v", q.name, err)
		}
	}
	pcapPath := pc.close()
	if _, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(sentinel.msg(), s.hostdns); err != nil {
		t.Fatal(err)
	}
	tapPath := s.tap.finish(t)
	var list strings.Builder
	for _, q := range questions {
		list.WriteString(listLine(q) + "\n")
	}
	listPath := harness.WriteFile(t, dir, "queries.txt", list.String())

	// What is accepted: the planted difference, and PowerDNS 4.7's known ways (see
	// docs/migration.md for each).
	allowPath := harness.WriteFile(t, dir, "allow.txt", allowList)

	t.Run("pcap finds the planted difference", func(t *testing.T) {
		r := runTool(t, "-a", s.pdns, "-b", s.hostdns, pcapPath)
		if r.status != 1 {
			t.Fatalf("exit %d, want 1", r.status)
		}
		if r.report.Summary.Queries != len(questions) {
			t.Errorf("%d queries replayed, want %d", r.report.Summary.Queries, len(questions))
		}
		checkPlanted(t, r)
	})

	// PowerDNS 4.7 differs from hostdns in two ways on every zone: it adds no NS to the
	// authority section of positive answers, and sends records in another order. The options
	// for them leave the planted difference alone.
	systematic := []string{"-ignore-authority-ns", "-ignore-order"}

	t.Run("options leave only the planted difference", func(t *testing.T) {
		r := runTool(t, append(systematic, "-a", s.pdns, "-b", s.hostdns, pcapPath)...)
		if r.status != 1 || r.report.Summary.Different != 1 || r.report.Summary.Same != len(questions)-1 {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
		checkPlanted(t, r)
	})

	t.Run("allow-list accepts it", func(t *testing.T) {
		r := runTool(t, append(systematic, "-a", s.pdns, "-b", s.hostdns, "-allow", allowPath, pcapPath)...)
		if r.status != 0 || r.report.Summary.Different != 0 || r.report.Summary.Accepted == 0 {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
		if !hasReason(r, "planted") {
			t.Errorf("the planted difference is not among the accepted: %+v", r.report.Accepted)
		}
		if !strings.HasSuffix(strings.TrimSpace(r.stdout), r.report.Line) ||
			!strings.Contains(r.report.Line, " same, 0 different, ") {
			t.Errorf("summary line %q", r.report.Line)
		}
	})

	t.Run("captured answers stand for PowerDNS", func(t *testing.T) {
		r := runTool(t, "-a", "capture", "-b", s.hostdns, pcapPath)
		if r.status != 1 || r.report.Summary.Errors != 0 {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
		checkPlanted(t, r)
		// PowerDNS's captured answer to big.example.org TXT is truncated and cannot be asked
		// again over TCP; hostdns's, asked again, is whole.
		if !hasExample(r, "truncation", "big.example.org. TXT +noedns") {
			t.Errorf("no truncation difference for big.example.org:\n%s", r.stdout)
		}
	})

	t.Run("dnstap file written by hostdns", func(t *testing.T) {
		r := runTool(t, "-a", s.pdns, "-b", s.hostdns, "-format", "dnstap", tapPath)
		if r.status != 1 || r.report.Summary.Queries < len(questions)+1 || r.report.Summary.Errors != 0 {
			t.Fatalf("exit %d, %s (%d queries)", r.status, r.report.Line, r.report.Summary.Queries)
		}
		checkPlanted(t, r)
		r = runTool(t, append(systematic, "-a", s.pdns, "-b", s.hostdns, "-allow", allowPath, tapPath)...)
		if r.status != 0 {
			t.Errorf("with the allow-list: exit %d, %s", r.status, r.report.Line)
		}
	})

	t.Run("list, the same server on both sides", func(t *testing.T) {
		r := runTool(t, "-a", s.hostdns, "-b", s.hostdns, listPath)
		if r.status != 0 || r.report.Summary.Same != len(questions) {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
	})

	t.Run("list, PowerDNS against hostdns", func(t *testing.T) {
		r := runTool(t, append(systematic, "-a", s.pdns, "-b", s.hostdns, "-allow", allowPath, "-html", filepath.Join(dir, "report.html"), listPath)...)
		if r.status != 0 || r.report.Summary.Accepted == 0 {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
		if page, err := os.ReadFile(filepath.Join(dir, "report.html")); err != nil || !strings.Contains(string(page), r.report.Line) {
			t.Errorf("HTML report: %v", err)
		}
	})

	t.Run("a server that does not answer is an error", func(t *testing.T) {
		dead := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
		r := runTool(t, "-a", s.pdns, "-b", dead, "-timeout", "200ms", "-retries", "1", listPath)
		if r.status != 1 || r.report.Summary.Errors != len(questions) {
			t.Fatalf("exit %d, %s", r.status, r.report.Line)
		}
		r = runTool(t, "-a", s.pdns, "-b", dead, "-timeout", "200ms", "-retries", "0", "-max-errors", "100", "-q", listPath)
		if r.status != 0 {
			t.Errorf("errors within -max-errors: exit %d", r.status)
		}
	})

	t.Run("a truncated capture is a clear error", func(t *testing.T) {
		data, err := os.ReadFile(pcapPath)
		if err != nil {
			t.Fatal(err)
		}
		cut := harness.WriteFile(t, dir, "cut.pcap", string(data[:40]))
		r := runTool(t, "-a", s.pdns, "-b", s.hostdns, cut)
		if r.status != 2 || !strings.Contains(r.stderr, "truncated") {
			t.Errorf("exit %d, stderr %q", r.status, r.stderr)
		}
		bad := harness.WriteFile(t, dir, "bad.txt", "www.example.org A\nwww.example.org A junk\n")
		r = runTool(t, "-a", s.pdns, "-b", s.hostdns, bad)
		if r.status == 0 || !strings.Contains(r.stderr, "line 2") {
			t.Errorf("bad list: exit %d, stderr %q", r.status, r.stderr)
		}
	})
}

// checkPlanted asserts the one difference planted on hostdns's side: planted.example.org A
// is 192.0.2.50 in the database (PowerDNS) and 192.0.2.250 from hostdns's template.
func checkPlanted(t *testing.T, r run) {
	t.Helper()
	for _, k := range r.report.Kinds {
		if k.Kind != "data" {
			continue
		}
		for _, ex := range k.Examples {
			for _, d := range ex.Differences {
				if d.RRset == "planted.example.org. A" && d.Kind == "data" && d.A == "192.0.2.50" && d.B == "192.0.2.250" && ex.Zone == "example.org." {
					return
				}
			}
		}
	}
	t.Errorf("the planted difference was not found:\n%s", r.stdout)
}

func hasExample(r run, kind, query string) bool {
	for _, k := range r.report.Kinds {
		for _, ex := range k.Examples {
			if k.Kind == kind && ex.Query == query {
				return true
			}
		}
	}
	return false
}

func hasReason(r run, word string) bool {
	for _, a := range r.report.Accepted {
		if strings.Contains(a.Reason, word) {
			return true
		}
	}
	return false
}

// listLine writes q as a line of a dig -f list.
func listLine(q question) string {
	l := q.name + " " + dns.TypeToString[q.qtype]
	if !q.rd {
		l += " +norec"
	}
	if q.edns == 0 {
		l += " +noedns"
	} else {
		l += " +bufsize=" + strconv.Itoa(int(q.edns))
	}
	if q.do {
		l += " +dnssec"
	}
	if q.network == "tcp" {
		l += " +tcp"
	}
	return l
}

func sentinelWire() []byte {
	b := make([]byte, 255)
	n, _ := dns.PackDomainName(sentinel.name, b, 0, nil, false)
	return b[:n]
}

// allowList accepts the planted difference.
const allowList = `# kind  name                 type  reason
data    planted.example.org  A     planted on purpose: hostdns answers it from a template
`
