package urlredirect

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostdns/hostdns/test/harness"
)

func fileCorefile(t *testing.T, httpAddr, extra string) string {
	zone := harness.WriteFile(t, t.TempDir(), "db.example.org", zoneText)
	return fmt.Sprintf(`example.org:0 {
    bind 127.0.0.1
    urlredirect {
        address 192.0.2.10
        http %s
        %s
    }
    file %s
}`, httpAddr, extra, zone)
}

// slowClient opens a connection and sends a request line and headers an octet at a time,
// never finishing, until stop is closed.
func slowClient(t *testing.T, addr string, stop <-chan struct{}) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	msg := "GET / HTTP/1.1\r\nHost: go.example.org\r\nX-Slow: " + strings.Repeat("a", 10000)
	for i := 0; i < len(msg); i++ {
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := c.Write([]byte{msg[i]}); err != nil {
			return
		}
	}
}

// Slow clients hold connections; a normal client still gets its redirect in time, both
// while the slow ones are under the connection cap and when they fill it (the read
// timeout then frees their slots).
func TestSlowClients(t *testing.T) {
	httpAddr := freeAddr(t)
	startServing(t, fileCorefile(t, httpAddr, "max_connections 20\n        read_timeout 500ms"))
	c := client(nil)
	for _, n := range []int{15, 40} {
		stop := make(chan struct{})
		for range n {
			go slowClient(t, httpAddr, stop)
		}
		harness.Eventually(t, 5*time.Second, "slow clients connected", func() bool {
			return gauge(t, "coredns_urlredirect_connections_in_flight") >= float64(min(n, 20))
		})
		start := time.Now()
		got := fetch(t, c, "GET", "http", httpAddr, "go.example.org", "/")
		took := time.Since(start)
		close(stop)
		if got.status != 302 {
			t.Errorf("%d slow clients: %+v", n, got)
		}
		if took > 3*time.Second {
			t.Errorf("%d slow clients: the redirect took %s", n, took)
		}
		t.Logf("%d slow clients (cap 20): redirect in %s", n, took.Round(time.Millisecond))
	}
}

// Raw requests a browser would never send: the answer is never a redirect, and nothing the
// client sent comes back as a header.
func TestHostileRequests(t *testing.T) {
	httpAddr := freeAddr(t)
	startServing(t, fileCorefile(t, httpAddr, ""))
	for _, req := range []string{
		"GET / HTTP/1.1\r\nHost: " + strings.Repeat("a", 20000) + "\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: go.example.org\rX-Evil: 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: go.example.org\x00\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: g\xc3\xb6.example.org\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET /" + strings.Repeat("x", 10000) + " HTTP/1.1\r\nHost: go.example.org\r\n\r\n",
		"GET /a\x7fb HTTP/1.1\r\nHost: go.example.org\r\n\r\n",
	} {
		c, err := net.Dial("tcp", httpAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(req))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil {
			t.Errorf("%.60q: %v", req, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("Location") != "" || resp.Header.Get("X-Evil") != "" {
			t.Errorf("%.60q: %s, Location %q", req, resp.Status, resp.Header.Get("Location"))
		}
	}
	// The over-long path is a valid request: 404 because the redirect would be too long,
	// checked above; a redirect with a path of normal length still works.
	if got := fetch(t, client(nil), "GET", "http", httpAddr, "go.example.org", "/"+strings.Repeat("x", 1000)); got.status != 302 {
		t.Errorf("long path: %+v", got)
	}
}

// A reload stops the old instance's listeners before the new one binds them; after
// several reloads and a stop the port is free and no goroutine is left behind.
func TestReload(t *testing.T) {
	httpAddr := freeAddr(t)
	corefile := fileCorefile(t, httpAddr, "")
	inst, err := harness.StartServerErr(corefile)
	if err != nil {
		t.Fatal(err)
	}
	c := client(nil)
	check := func() {
		t.Helper()
		if got := fetch(t, c, "GET", "http", httpAddr, "go.example.org", "/"); got.status != 302 {
			t.Fatalf("redirect: %+v", got)
		}
	}
	check()
	c.CloseIdleConnections()
	base := goroutines()
	for range 3 {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		inst = next
		check()
	}
	c.CloseIdleConnections()
	harness.Eventually(t, 10*time.Second, "goroutines back to the count before the reloads", func() bool { return goroutines() <= base })

	inst.Stop()
	inst.ShutdownCallbacks()
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		t.Fatalf("port still bound after the stop: %v", err)
	}
	ln.Close()
}

// gauge returns the value of an unlabelled gauge of the default registry.
func gauge(t *testing.T, name string) float64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

func goroutines() int {
	runtime.GC()
	return runtime.NumGoroutine()
}
