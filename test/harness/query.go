package harness

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// exchangeTimeout bounds one query: a test server on loopback answers in milliseconds, so
// anything slower is a hang worth failing on.
const exchangeTimeout = 5 * time.Second

// Query returns a query for name (made fully qualified) and qtype with RD off, as an
// authoritative server's clients send it. Add EDNS with WithEDNS.
func Query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	return m
}

// WithEDNS adds an OPT record advertising size and the DO bit to m, and returns m.
func WithEDNS(m *dns.Msg, size uint16, do bool) *dns.Msg {
	m.SetEdns0(size, do)
	return m
}

// Exchange sends m to addr over network ("udp" or "tcp") and returns the response. It
// fails the test on any network error or timeout; a response with an error rcode is
// returned as is, for the test to check. A truncated UDP response is not retried over TCP.
func Exchange(t testing.TB, addr string, m *dns.Msg, network string) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: exchangeTimeout}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s query %s to %s: %v", network, questionString(m), addr, err)
	}
	return resp
}

// AXFR transfers zone from addr over TCP and returns every record in the order received,
// the SOA first and last included. It fails the test on a network error or a refused
// transfer.
func AXFR(t testing.TB, addr, zone string) []dns.RR {
	t.Helper()
	rrs, err := TryAXFR(addr, zone)
	if err != nil {
		t.Fatal(err)
	}
	return rrs
}

// TryAXFR is AXFR returning its error instead of failing the test.
func TryAXFR(addr, zone string) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetAxfr(dns.Fqdn(zone))
	tr := &dns.Transfer{DialTimeout: exchangeTimeout, ReadTimeout: exchangeTimeout}
	envs, err := tr.In(m, addr)
	if err != nil {
		return nil, fmt.Errorf("AXFR %s from %s: %w", zone, addr, err)
	}
	var rrs []dns.RR
	var failed error
	// Drain the channel even after an error so the transfer goroutine can finish.
	for env := range envs {
		if env.Error != nil && failed == nil {
			failed = env.Error
		}
		rrs = append(rrs, env.RR...)
	}
	if failed != nil {
		return rrs, fmt.Errorf("AXFR %s from %s: %w (after %d records)", zone, addr, failed, len(rrs))
	}
	return rrs, nil
}

func questionString(m *dns.Msg) string {
	if len(m.Question) == 0 {
		return "(no question)"
	}
	q := m.Question[0]
	return q.Name + " " + dns.Class(q.Qclass).String() + " " + dns.Type(q.Qtype).String()
}
