package harness

import (
	"net"
	"sync"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"

	// Every plugin hostdns ships, in hostdns' chain order, so in-process servers behave as
	// the binary does.
	_ "github.com/hostdns/hostdns/distro/plugins"
)

// startMu serializes starts: caddy.Start reads and writes package globals (the directive
// order, the instance list, Quiet), so concurrent starts from parallel tests would race.
var startMu sync.Mutex

// Server is a CoreDNS instance started in-process by StartServer.
type Server struct {
	// UDP and TCP are the addresses (127.0.0.1:port) of the first server block's
	// listeners. With port 0 they differ: each listener gets its own free port. A
	// transport that has no listener of a kind leaves its field empty.
	UDP, TCP string
	// Instance is the running caddy instance.
	Instance *caddy.Instance

	stopOnce sync.Once
}

// Listener holds the addresses of one server listener. An address is empty when the
// server has no listener of that kind (a tls:// server has no UDP listener).
type Listener struct {
	UDP, TCP string
}

// StartServer starts CoreDNS in-process from a Corefile and stops it when the test ends.
// Use port 0 in the server block keys (example.org:0, .:0) so every test gets its own
// ports; UDP and TCP on the result tell which. It fails the test if CoreDNS does not start.
func StartServer(t testing.TB, corefile string) *Server {
	t.Helper()
	inst, err := StartServerErr(corefile)
	if err != nil {
		t.Fatalf("starting CoreDNS: %v\nCorefile:\n%s", err, corefile)
	}
	s := &Server{Instance: inst}
	t.Cleanup(s.Stop)
	ls := s.Servers()
	if len(ls) == 0 {
		t.Fatalf("CoreDNS started with no listeners\nCorefile:\n%s", corefile)
	}
	first := firstListener(corefile, ls)
	s.UDP, s.TCP = first.UDP, first.TCP
	return s
}

// Stop stops s as the coredns process does on SIGTERM (see stop), before the test ends when
// the test needs to see what stopping does; the cleanup then does nothing more.
func (s *Server) Stop() { s.stopOnce.Do(func() { stop(s.Instance) }) }

// Servers returns the addresses of every listener of s: one per listen address (zones on
// the same address share one). CoreDNS starts them in map order, not the Corefile's.
func (s *Server) Servers() []Listener {
	var ls []Listener
	for _, sl := range s.Instance.Servers() {
		ls = append(ls, Listener{UDP: loopback(sl.LocalAddr()), TCP: loopback(sl.Addr())})
	}
	return ls
}

// StartServerErr starts CoreDNS in-process like StartServer, but returns the startup error
// instead of failing the test, for tests of configurations that must be refused. On error
// the instance is already stopped and nil; on success the caller must stop it with
// Instance.Stop and Instance.ShutdownCallbacks (or use StartServer instead).
func StartServerErr(corefile string) (*caddy.Instance, error) {
	startMu.Lock()
	defer startMu.Unlock()
	caddy.Quiet = true
	dnsserver.Quiet = true

	inst, err := caddy.Start(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
	if err != nil {
		// Some servers may have started before the failing one; free their ports. Shutdown
		// callbacks are not run: plugins register them during setup and may expect the
		// startup that never happened.
		if inst != nil {
			inst.Stop()
		}
		return nil, err
	}
	return inst, nil
}

// stop stops the servers of inst, then runs its shutdown callbacks, as the coredns process
// does on SIGTERM: that ends plugin goroutines, upstream and database connections, and
// the health/metrics/ready listeners, which would otherwise outlive the test.
func stop(inst *caddy.Instance) {
	inst.Stop()
	inst.ShutdownCallbacks()
}

// loopback returns a as a dialable address: a listener on the unspecified address (".:0"
// listens on all interfaces) is reached through 127.0.0.1.
func loopback(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
