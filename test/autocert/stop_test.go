package autocert_test

import (
	"net"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"go.uber.org/goleak"
)

// TestStopLeavesNoGoroutines: a reload (a Manager stopped, its successor started on the
// same storage, CA and account) leaves no goroutine behind once the successor has issued
// a certificate and been stopped too, on directory or Redis storage.
//
// The first Manager runs before the snapshot: certmagic keeps one rate limiter goroutine
// per CA and account email for the whole process (acmeclient.go: rateLimiters), created
// by the first order; its successor reuses it rather than adding one.
func TestStopLeavesNoGoroutines(t *testing.T) {
	for _, kind := range []string{"dir", "redis"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t)
			storage, prefix := "dir:"+t.TempDir(), ""
			if kind == "redis" {
				red := harness.NewRedis(t)
				storage, prefix = "redis:"+red.Addr, red.Prefix
			}
			base := goleak.IgnoreCurrent()
			first := newManager(t, r, storage, prefix, 0)
			stop := serveManager(t, first, r.httpLn, r.tlsLn)
			mustGet(t, r.tlsLn.Addr().String(), www, r.IssuingRoots)
			stop()
			first.Stop()
			waitNoLeak(t, base, goleak.IgnoreAnyFunction("github.com/caddyserver/certmagic.(*RingBufferRateLimiter).loop"))
			before := goleak.IgnoreCurrent()

			httpLn, tlsLn := relisten(t, r.httpLn), relisten(t, r.tlsLn)
			next := newManager(t, r, storage, prefix, 0)
			stop = serveManager(t, next, httpLn, tlsLn)
			mustGet(t, tlsLn.Addr().String(), www, r.IssuingRoots)  // stored
			mustGet(t, tlsLn.Addr().String(), www2, r.IssuingRoots) // issued
			wantOrders(t, r, www, www2)
			stop()
			next.Stop()
			waitNoLeak(t, before)
		})
	}
}

// relisten listens again on the address of a closed listener (pebble's VA keeps
// connecting to the same ports).
func relisten(t *testing.T, old interface{ Addr() net.Addr }) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", old.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// waitNoLeak waits until no goroutine is left but those opts ignore: connections end
// asynchronously (pebble closes idle ones after a second).
func waitNoLeak(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := goleak.Find(opts...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Stop: %v", err)
		}
	}
}
