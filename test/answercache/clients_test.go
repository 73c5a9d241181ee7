package answercache_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// askFrom asks name A at addr over UDP from the local address local (port chosen by the
// kernel: a new socket, a new port each time).
func askFrom(t *testing.T, local, addr, name string, qt uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second, Dialer: &net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(local)}}}
	r, _, err := c.Exchange(harness.Query(name, qt), addr)
	if err != nil {
		t.Fatalf("%s from %s: %v", name, local, err)
	}
	return r
}

// TestClientAnswersNotCached: an answer that varies with the client is never served to
// another client. whoami below the cache answers with the client's own address and port
// and tells the cache nothing, so nothing is kept: every client, each from a new port,
// gets its own. Two server blocks for the same zone chosen by view (by client address)
// have a cache each: each client gets its block's data, asked in turn, cached or not.
func TestClientAnswersNotCached(t *testing.T) {
	who := harness.StartServer(t, ".:0 {\n\tbind 127.0.0.1\n\tanswercache {\n\t\tadmission off\n\t}\n\twhoami\n}")
	before := hits(t)
	for i := 0; i < 4; i++ {
		c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
		conn, err := c.Dial(who.UDP)
		if err != nil {
			t.Fatal(err)
		}
		port := conn.LocalAddr().(*net.UDPAddr).Port
		r, _, err := c.ExchangeWithConn(harness.Query("example.org.", dns.TypeA), conn)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got uint16
		for _, rr := range r.Extra {
			if srv, ok := rr.(*dns.SRV); ok {
				got = srv.Port
			}
		}
		if int(got) != port {
			t.Errorf("whoami answer %d names port %d, the client's is %d:\n%s", i+1, got, port, r)
		}
	}
	if n := hits(t) - before; n != 0 {
		t.Errorf("%v whoami answers came from the cache, want none", n)
	}

	dir := t.TempDir()
	zone := func(ip string) string {
		return harness.WriteFile(t, dir, "db."+ip, fmt.Sprintf("$ORIGIN example.org.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\nwww 300 IN A %s\n", ip))
	}
	port := harness.FreePort(t)
	s := harness.StartServer(t, fmt.Sprintf(`example.org:%d {
	bind 127.0.0.1
	view two {
		expr client_ip() == '127.0.0.2'
	}
	answercache {
		admission off
	}
	file %s
}
example.org:%d {
	bind 127.0.0.1
	answercache {
		admission off
	}
	file %s
}`, port, zone("192.0.2.2"), port, zone("192.0.2.1")))
	before = hits(t)
	for i := 0; i < 3; i++ {
		for _, c := range []struct{ from, ip string }{{"127.0.0.1", "192.0.2.1"}, {"127.0.0.2", "192.0.2.2"}} {
			if r := askFrom(t, c.from, s.UDP, "www.example.org.", dns.TypeA); !hasA(c.ip)(r) {
				t.Errorf("ask %d from %s: want %s (its view's data):\n%s", i+1, c.from, c.ip, r)
			}
		}
	}
	// The block with view keeps nothing of file's: answercache caches file zones only when
	// no plugin it does not know sits below it, and view's handler is one.
	t.Logf("%v of 6 answers from the caches of the two views", hits(t)-before)
}
