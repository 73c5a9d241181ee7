package abusepool

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/cli"
	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// runCLI runs `coredns abusepool ARGS` (the binary's own code, in-process) against api.
func runCLI(t *testing.T, api apiServer, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(append([]string{"-api", api.base, "-token", api.token}, args...), &out, &errOut)
	return out.String() + errOut.String(), code
}

// The operator's loop end to end: the command-line client shows the flood's name grouped by
// its last two labels (dnsdist's topQueries(5, 2)), a rule added with it applies to DNS, and
// removed with it no longer does.
func TestCLIOverLiveServer(t *testing.T) {
	api, apiLines := newAPI(t, testToken)
	s := startFront(t, apiLines)
	for i := range 20 {
		ask(t, s.UDP, "udp", "", "r"+string(rune('a'+i))+".www.example.org.", dns.TypeA)
	}
	ask(t, s.UDP, "udp", "", "mail.example.org.", dns.TypeA)

	// Grouped by the last 3 labels, the 20 random names are one line: www.example.org.
	harness.Eventually(t, 5*time.Second, "top names 5 3 to put www.example.org. first with 20", func() bool {
		out, code := runCLI(t, api, "top", "names", "5", "3")
		if code != 0 {
			t.Fatalf("top names 5 3: exit %d\n%s", code, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for _, l := range lines {
			if f := strings.Fields(l); len(f) >= 3 && f[1] == "www.example.org." {
				return f[2] == "20"
			}
		}
		return false
	})

	if out, code := runCLI(t, api, "add", "cli-block", "suffix", "mail.example.org", "refused", "for", "10m"); code != 0 {
		t.Fatalf("add: exit %d\n%s", code, out)
	}
	refused := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeRefused }
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "mail.example.org.", dns.TypeA, refused, 2*time.Second), harness.Response{Rcode: dns.RcodeRefused})
	if out, code := runCLI(t, api, "rules"); code != 0 || !strings.Contains(out, "cli-block") {
		t.Errorf("rules: exit %d, want cli-block listed:\n%s", code, out)
	}
	if out, code := runCLI(t, api, "rm", "cli-block"); code != 0 {
		t.Fatalf("rm: exit %d\n%s", code, out)
	}
	answered := func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }
	harness.AssertResponse(t, harness.WaitFor(t, s.UDP, "mail.example.org.", dns.TypeA, answered, 2*time.Second), harness.Response{
		Authoritative: true,
		Answer:        []string{"mail.example.org. 3600 IN A 192.0.2.25"},
		Ns:            exampleNS,
	})

	// A wrong token is refused and changes nothing.
	if out, code := runCLI(t, apiServer{base: api.base, token: "wrong-token-0123456789"}, "add", "x", "suffix", "www.example.org", "drop"); code != 1 {
		t.Errorf("add with a wrong token: exit %d, want 1\n%s", code, out)
	}
	harness.AssertResponse(t, ask(t, s.UDP, "udp", "", "www.example.org.", dns.TypeA), wwwAnswer)
}
