package aliaspool

import (
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/test/harness"

	"github.com/miekg/dns"
)

// A reload (a caddy restart, as the reload plugin does it) stops the old instance's upstream
// proxies and health checkers: after several reloads the number of goroutines is back where
// it was after the first start.
func TestReloadLeaksNoGoroutines(t *testing.T) {
	in := newTestInternet(t)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hl.Close()
	go func() {
		for {
			c, err := hl.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := hl.Addr().(*net.TCPAddr).Port

	zone := writeZone(t, "db.example.org", aliasZone+lines(
		"pool 60 IN POOL m1.example.org. 1",
		"pool 60 IN POOL m2.example.org. 1",
		"m1 IN A 127.0.0.1",
		"m2 IN A 127.0.0.1",
	))
	corefile := fmt.Sprintf(`example.org:0 {
    alias {
        upstream %s
    }
    pool {
        health tcp %d
        interval 20ms
        timeout 10ms
    }
    file %s
}`, in.Addr, port, zone)

	inst, err := harness.StartServerErr(corefile)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		inst.Stop()
		inst.ShutdownCallbacks()
	}()
	exercise := func() {
		t.Helper()
		addr := inst.Servers()[0].LocalAddr().String()
		harness.AssertResponse(t, ask(t, addr, "udp", "ext.example.org.", dns.TypeA), harness.Response{
			Authoritative: true,
			Answer:        []string{"ext.example.org. 120 IN A 198.51.100.1", "ext.example.org. 120 IN A 198.51.100.2"},
			Ns:            []string{apexNS},
		})
		r := ask(t, addr, "udp", "pool.example.org.", dns.TypeA)
		if len(r.Answer) != 2 {
			t.Fatalf("pool answer has %d records, want CNAME and A:\n%s", len(r.Answer), r)
		}
		harness.AssertResponse(t, r, harness.Response{
			Authoritative: true,
			Answer:        []string{r.Answer[0].String(), r.Answer[0].(*dns.CNAME).Target + " 3600 IN A 127.0.0.1"},
			Ns:            []string{apexNS},
		})
	}
	exercise()
	time.Sleep(50 * time.Millisecond) // let a health round run and the proxy connect
	base := goroutines()

	for range 5 {
		next, err := inst.Restart(caddy.CaddyfileInput{Contents: []byte(corefile), Filepath: "Corefile", ServerTypeName: "dns"})
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		inst = next
		exercise()
	}

	// Stopped proxies end their connection managers when they are collected: collect
	// until the count settles (a wait for a state, not a timing assertion).
	var now int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if now = goroutines(); now <= base {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if now > base {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("%d goroutines after 5 reloads, %d before: leaked\n%s", now, base, buf[:n])
	}
}

func goroutines() int {
	runtime.GC()
	runtime.GC()
	return runtime.NumGoroutine()
}
