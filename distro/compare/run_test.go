package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// zoneServer is an in-process authoritative server on 127.0.0.1 (UDP and TCP on one port)
// answering A queries under example.org with addr, NXDOMAIN for nx.example.org.
func zoneServer(t *testing.T, addr string) string {
	t.Helper()
	pc, l := listenBoth(t)
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		if r.Question[0].Name == "nx.example.org." {
			m.Rcode = dns.RcodeNameError
			soa, _ := dns.NewRR("example.org. 300 IN SOA ns1.example.org. h.example.org. 1 2 3 4 300")
			m.Ns = []dns.RR{soa}
		} else {
			rr, _ := dns.NewRR(r.Question[0].Name + " 300 IN A " + addr)
			m.Answer = []dns.RR{rr}
		}
		w.WriteMsg(m)
	})
	udp, tcp := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: l, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return pc.LocalAddr().String()
}

func TestMainRun(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "q.txt")
	os.WriteFile(list, []byte("a.example.org A\nb.example.org A +tcp\nnx.example.org A\n"), 0o644)
	same1, same2, other := zoneServer(t, "192.0.2.1"), zoneServer(t, "192.0.2.1"), zoneServer(t, "192.0.2.9")

	var stdout, stderr bytes.Buffer
	if got := Main([]string{"-a", same1, "-b", same2, "-progress", "bar", list}, &stdout, &stderr); got != exitSame {
		t.Fatalf("same servers: exit %d\n%s%s", got, stdout.String(), stderr.String())
	}
	if stdout.String() != "3 same, 0 different, 0 accepted, 0 errors\n" || !strings.Contains(stderr.String(), "[##############################] 3/3 (100%)") {
		t.Errorf("same servers:\n%s%s", stdout.String(), stderr.String())
	}

	stdout.Reset()
	stderr.Reset()
	jsonFile := filepath.Join(dir, "r.json")
	if got := Main([]string{"-a", same1, "-b", other, "-json", jsonFile, "-progress", "none", list}, &stdout, &stderr); got != exitDifferent {
		t.Fatalf("other data: exit %d\n%s%s", got, stdout.String(), stderr.String())
	}
	var rep struct {
		Summary struct{ Same, Different int }
		Kinds   []struct{ Kind string }
		Meta    map[string]any
	}
	data, _ := os.ReadFile(jsonFile)
	if err := json.Unmarshal(data, &rep); err != nil || rep.Summary.Same != 1 || rep.Summary.Different != 2 || rep.Kinds[0].Kind != "data" || rep.Meta["b"] != other {
		t.Errorf("JSON (%v): %s", err, data)
	}

	allow := filepath.Join(dir, "allow.txt")
	os.WriteFile(allow, []byte("data *.example.org A renumbered on purpose\n"), 0o644)
	stdout.Reset()
	if got := Main([]string{"-a", same1, "-b", other, "-allow", allow, "-q", list}, &stdout, &stderr); got != exitSame || stdout.String() != "1 same, 0 different, 2 accepted, 0 errors\n" {
		t.Errorf("allowed: exit %d, %q", got, stdout.String())
	}
	stdout.Reset()
	if got := Main([]string{"-a", same1, "-b", other, "-limit", "1", "-q", list}, &stdout, &stderr); got != exitDifferent || stdout.String() != "0 same, 1 different, 0 accepted, 0 errors\n" {
		t.Errorf("-limit 1: exit %d, %q", got, stdout.String())
	}
}

// listenBoth listens on UDP and TCP on one port of 127.0.0.1, as a DNS server does; a UDP
// port whose TCP twin is taken is given back and another tried.
func listenBoth(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 50 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil
}
