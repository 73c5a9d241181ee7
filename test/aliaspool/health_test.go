package aliaspool

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// listener is a TCP member that accepts and closes connections until stopped.
type listener struct{ l net.Listener }

func listenTCP(t *testing.T, addr string) *listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return &listener{l}
}

func (l *listener) stop() { l.l.Close() }

// memberPort finds a port that is free on 127.0.0.1, .2 and .3, so three members can be
// checked on the same port at different addresses.
func memberPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		p := harness.FreePort(t)
		ok := true
		for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no port free on 127.0.0.1-3")
	return 0
}

// waitHealth waits until the health gauge of member says up (1) or down (0).
func waitHealth(t *testing.T, member string, up bool) {
	t.Helper()
	want := 0.0
	if up {
		want = 1
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if harness.MetricSumWhere(t, "coredns_pool_member_healthy", map[string]string{"member": member}) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("member %s never became healthy=%v", member, up)
}

func healthZone(prefix string) string {
	return fmt.Sprintf(`$ORIGIN example.org.
$TTL 3600
@         IN SOA  ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600
          IN NS   ns1.example.org.
ns1       IN A    192.0.2.1
%[1]s     60 IN POOL %[1]s1.example.org.
%[1]s     60 IN POOL %[1]s2.example.org.
%[1]s     60 IN POOL %[1]s3.example.org.
%[1]s1    IN A    127.0.0.1
%[1]s2    IN A    127.0.0.2
%[1]s3    IN A    127.0.0.3
`, prefix)
}

// members asks n times for the A records of the pool at name and counts the members
// picked, checking each answer whole.
func members(t *testing.T, s *harness.Server, name string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		r := ask(t, s.UDP, "udp", name, dns.TypeA)
		if len(r.Answer) != 2 {
			t.Fatalf("answer has %d records, want CNAME and A:\n%s", len(r.Answer), r)
		}
		c := r.Answer[0].(*dns.CNAME)
		a, _ := r.Answer[1].(*dns.A)
		if a == nil {
			t.Fatalf("second answer record is not an A:\n%s", r)
		}
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer:        []string{fmt.Sprintf("%s 60 IN CNAME %s", name, c.Target), fmt.Sprintf("%s 3600 IN A %s", c.Target, a.A)},
			Ns:            []string{apexNS},
		})
		got[c.Target]++
	}
	return got
}

func TestPoolHealthTCP(t *testing.T) {
	port := memberPort(t)
	l1 := listenTCP(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	l2 := listenTCP(t, net.JoinHostPort("127.0.0.2", strconv.Itoa(port)))
	zone := writeZone(t, "db.example.org", healthZone("tcpm"))
	checked0, down0 := harness.MetricSumWhere(t, "coredns_pool_members_checked", nil), harness.MetricSumWhere(t, "coredns_pool_members_down", nil)
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
    pool {
        health tcp %d
        interval 100ms
        timeout 90ms
        member_metrics
    }
    file %s
}`, port, zone))

	// The first query makes the members known to the checker; m3 has no listener.
	members(t, s, "tcpm.example.org.", 1)
	waitHealth(t, "tcpm3.example.org.", false)
	waitHealth(t, "tcpm1.example.org.", true)
	// The unlabelled gauges count the same: three members checked, one of them down.
	if checked, down := harness.MetricSumWhere(t, "coredns_pool_members_checked", nil)-checked0, harness.MetricSumWhere(t, "coredns_pool_members_down", nil)-down0; checked != 3 || down != 1 {
		t.Errorf("members_checked and members_down moved by %v and %v, want 3 and 1", checked, down)
	}
	got := members(t, s, "tcpm.example.org.", 300)
	if got["tcpm3.example.org."] != 0 || got["tcpm1.example.org."] == 0 || got["tcpm2.example.org."] == 0 {
		t.Errorf("with m3 down picked %v, want m1 and m2 only", got)
	}

	l1.stop()
	waitHealth(t, "tcpm1.example.org.", false)
	if got := members(t, s, "tcpm.example.org.", 100); got["tcpm2.example.org."] != 100 {
		t.Errorf("with m1 and m3 down picked %v, want m2 only", got)
	}

	// Every member down: the pool still answers, from all of them.
	l2.stop()
	waitHealth(t, "tcpm2.example.org.", false)
	if got := members(t, s, "tcpm.example.org.", 300); len(got) != 3 {
		t.Errorf("with every member down picked %v, want all three", got)
	}

	// A member that comes back is picked again.
	listenTCP(t, net.JoinHostPort("127.0.0.3", strconv.Itoa(port)))
	waitHealth(t, "tcpm3.example.org.", true)
	if got := members(t, s, "tcpm.example.org.", 100); got["tcpm3.example.org."] != 100 {
		t.Errorf("with only m3 up picked %v, want m3 only", got)
	}
	if down := harness.MetricSumWhere(t, "coredns_pool_members_down", nil) - down0; down != 2 {
		t.Errorf("members_down moved by %v with m1 and m2 down, want 2", down)
	}

	// Stopping the server (a reload does too) takes its members out of the gauges.
	s.Stop()
	if checked, down := harness.MetricSumWhere(t, "coredns_pool_members_checked", nil)-checked0, harness.MetricSumWhere(t, "coredns_pool_members_down", nil)-down0; checked != 0 || down != 0 {
		t.Errorf("after the server stopped members_checked and members_down are %v and %v above where they started, want 0", checked, down)
	}
}

func TestPoolHealthHTTP(t *testing.T) {
	port := memberPort(t)
	var m2Status atomic.Int64
	m2Status.Store(http.StatusInternalServerError)
	serve := func(ip string, status func() int) {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/health" || r.Host != "httpm"+ip[len(ip)-1:]+".example.org" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			w.WriteHeader(status())
		})}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
	}
	serve("127.0.0.1", func() int { return http.StatusOK })
	serve("127.0.0.2", func() int { return int(m2Status.Load()) })
	serve("127.0.0.3", func() int { return http.StatusFound }) // a redirect is up

	zone := writeZone(t, "db.example.org", healthZone("httpm"))
	s := harness.StartServer(t, fmt.Sprintf(`example.org:0 {
    pool {
        health http %d /health
        interval 100ms
        timeout 90ms
        member_metrics
    }
    file %s
}`, port, zone))

	members(t, s, "httpm.example.org.", 1)
	waitHealth(t, "httpm2.example.org.", false)
	waitHealth(t, "httpm1.example.org.", true)
	waitHealth(t, "httpm3.example.org.", true)
	got := members(t, s, "httpm.example.org.", 300)
	if got["httpm2.example.org."] != 0 || got["httpm1.example.org."] == 0 || got["httpm3.example.org."] == 0 {
		t.Errorf("with m2 answering 500 picked %v, want m1 and m3 only", got)
	}

	m2Status.Store(http.StatusOK)
	waitHealth(t, "httpm2.example.org.", true)
	if got := members(t, s, "httpm.example.org.", 300); len(got) != 3 {
		t.Errorf("with all up picked %v, want all three", got)
	}
}
