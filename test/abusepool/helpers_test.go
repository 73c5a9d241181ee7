// Package abusepool tests the abusepool plugin over real sockets: CoreDNS servers started
// in-process, queried over UDP and TCP, the API over HTTP, state shared through a real Redis.
package abusepool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// The zone every test serves: example.org, from a zone file.
const zone = `$ORIGIN example.org.
$TTL 3600
@       IN SOA  ns1.example.org. hostmaster.example.org. 2026120601 7200 3600 1209600 300
        IN NS   ns1.example.org.
        IN NS   ns2.example.org.
ns1     IN A    192.0.2.1
ns2     IN A    192.0.2.2
www     IN A    192.0.2.80
        IN AAAA 2001:db8::80
mail    IN A    192.0.2.25
`

// The zone of the abuse pool's server: the same names, other addresses, so a test can
// tell who answered.
const poolZone = `$ORIGIN example.org.
$TTL 60
@       IN SOA  sink.example.org. hostmaster.example.org. 1 7200 3600 1209600 60
        IN NS   sink.example.org.
sink    IN A    192.0.2.53
www     IN A    192.0.2.99
`

var exampleNS = []string{"example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.org."}

// wwwAnswer is the data plugin's full answer to www.example.org A.
var wwwAnswer = harness.Response{
	Authoritative: true,
	Answer:        []string{"www.example.org. 3600 IN A 192.0.2.80"},
	Ns:            exampleNS,
}

// writeZone writes content as a zone file in a fresh directory and returns its path.
func writeZone(t *testing.T, content string) string {
	t.Helper()
	return harness.WriteFile(t, t.TempDir(), "db.example.org", content)
}

// startFront starts a server for example.org with the abusepool block given (its inside)
// above the file plugin, on port 0.
func startFront(t *testing.T, block string) *harness.Server {
	t.Helper()
	return harness.StartServer(t, frontCorefile("example.org:0", block, writeZone(t, zone)))
}

// startNode is startFront for a second node in the same test process. Its server block key
// is spelled differently: abusepool carries its inspection and rules over a reload from the
// running instance of the same server block, found by its keys, and two nodes in one
// process must not look like one server block reloaded (two real nodes are two processes).
func startNode(t *testing.T, block string) *harness.Server {
	t.Helper()
	return harness.StartServer(t, frontCorefile("dns://example.org:0", block, writeZone(t, zone)))
}

func frontCorefile(key, block, zoneFile string) string {
	return fmt.Sprintf("%s {\n    abusepool {\n%s\n    }\n    file %s\n}\n", key, block, zoneFile)
}

// startPoolServer starts a second CoreDNS, the abuse pool's upstream, on one fixed port for
// UDP and TCP (a proxy uses one address for both), and returns that address.
func startPoolServer(t *testing.T) string {
	t.Helper()
	port := harness.FreePort(t)
	s := harness.StartServer(t, fmt.Sprintf("example.org:%d {\n    bind 127.0.0.1\n    file %s\n}\n", port, writeZone(t, poolZone)))
	return s.UDP
}

// client returns a DNS client over network whose queries come from the loopback address
// src (127.0.0.0/8 is all loopback on Linux), so a test can play several clients.
func client(network, src string) *dns.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		ip := net.ParseIP(src)
		if network == "tcp" {
			d.LocalAddr = &net.TCPAddr{IP: ip}
		} else {
			d.LocalAddr = &net.UDPAddr{IP: ip}
		}
	}
	return &dns.Client{Net: network, Dialer: d, Timeout: 5 * time.Second}
}

// ask sends name/qtype to addr over network from src and fails the test on a network error.
func ask(t *testing.T, addr, network, src, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m, _, err := client(network, src).Exchange(harness.Query(name, qtype), addr)
	if err != nil {
		t.Fatalf("%s %s from %s to %s: %v", name, dns.TypeToString[qtype], src, addr, err)
	}
	return m
}

// noAnswer fails the test if name/qtype sent over UDP from src gets any reply within
// wait: a dropped query gets none.
func noAnswer(t *testing.T, addr, src, name string, qtype uint16, wait time.Duration) {
	t.Helper()
	c := client("udp", src)
	c.Timeout = wait
	m, _, err := c.Exchange(harness.Query(name, qtype), addr)
	var nerr net.Error
	if err == nil || !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Fatalf("%s %s from %s: want no reply within %s, got %v (error %v)", name, dns.TypeToString[qtype], src, wait, m, err)
	}
}

// assertQuestion checks that m echoes the one question name/qtype.
func assertQuestion(t *testing.T, m *dns.Msg, name string, qtype uint16) {
	t.Helper()
	if len(m.Question) != 1 || m.Question[0].Name != name || m.Question[0].Qtype != qtype || m.Question[0].Qclass != dns.ClassINET {
		t.Errorf("question not echoed: want %s IN %s, got %v", name, dns.TypeToString[qtype], m.Question)
	}
}

// apiServer is the abusepool API of a test server, over real HTTP.
type apiServer struct {
	base, token string
}

// newAPI reserves a port for an API and returns it with its Corefile lines.
func newAPI(t *testing.T, token string) (apiServer, string) {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	lines := "        api " + addr + "\n"
	if token != "" {
		lines += "        token " + token + "\n"
	}
	return apiServer{base: "http://" + addr, token: token}, lines
}

// do sends a request with a JSON body (nil: none) and returns the status and body.
func (a apiServer) do(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}

// rule is a rule as the API takes it, for tests that post one.
func rule(id string, match map[string]string, action string) map[string]any {
	return map[string]any{"id": id, "match": match, "action": action}
}

func lines(ls ...string) string { return strings.Join(ls, "\n") }
