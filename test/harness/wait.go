package harness

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Eventually calls cond until it says yes, or fails the test after limit, naming what it
// waited for: the way a test waits for an event, rather than sleeping and hoping.
func Eventually(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor asks addr for name and qt over UDP until ok says yes of the answer, and returns
// it, or fails the test after limit with the last answer or error.
func WaitFor(t testing.TB, addr, name string, qt uint16, ok func(*dns.Msg) bool, limit time.Duration) *dns.Msg {
	t.Helper()
	deadline := time.Now().Add(limit)
	c := &dns.Client{Timeout: time.Second}
	for {
		m, _, err := c.Exchange(Query(name, qt), addr)
		if err == nil && ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s at %s: no wanted answer within %s; last: %v %v", name, dns.TypeToString[qt], addr, limit, m, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
