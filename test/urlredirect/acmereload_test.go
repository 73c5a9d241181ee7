package urlredirect

import (
	"net"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/test/harness"
)

// A reload with cert_source acme stops the old source (its certificate cache's goroutine,
// its ACME client's connections): after reloads and a stop nothing is left but certmagic's
// rate limiter, of which it keeps one per CA and account for the whole process
// (acmeclient.go: rateLimiters), made by the first order. The reloaded instances serve the
// certificate from storage without ordering again.
func TestACMEReload(t *testing.T) {
	corefile, p, _, httpsAddr, _ := acmeCorefile(t)
	_, httpsPort, _ := net.SplitHostPort(httpsAddr)
	base := goleak.IgnoreCurrent()
	inst, err := harness.StartServerErr(corefile)
	if err != nil {
		t.Fatal(err)
	}
	c := loopbackClient(p.IssuingRoots)
	check := func() {
		t.Helper()
		harness.Eventually(t, 30*time.Second, "https redirect for www", func() bool {
			got, _, _, err := follow(t, c, "https://www.example.test:"+httpsPort+"/")
			return err == nil && got.status == 302
		})
	}
	check()
	for range 2 {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		inst = next
		check()
	}
	inst.Stop()
	inst.ShutdownCallbacks()
	if got := p.Orders(); len(got) != 1 {
		t.Errorf("orders after reloads: %v, want one for www.example.test", got)
	}
	var leaked error
	defer func() {
		if t.Failed() && leaked != nil {
			t.Log(leaked) // the stacks of the goroutines left
		}
	}()
	harness.Eventually(t, 15*time.Second, "no goroutines left after reloads and stop", func() bool {
		leaked = goleak.Find(base, goleak.IgnoreAnyFunction("github.com/caddyserver/certmagic.(*RingBufferRateLimiter).loop"))
		return leaked == nil
	})
}
