package rrtypes

import (
	"testing"

	"github.com/miekg/dns"
)

// throughWire returns m as a client would see it after packing and unpacking.
func throughWire(t testing.TB, m *dns.Msg) *dns.Msg {
	t.Helper()
	buf, err := m.Pack()
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if l := m.Len(); l != len(buf) {
		t.Errorf("message Len is %d, packed %d octets", l, len(buf))
	}
	m1 := new(dns.Msg)
	if err := m1.Unpack(buf); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	return m1
}

// reparse checks the text s, which a record printed, parses back to s.
func reparse(t testing.TB, s string) {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("%q does not parse: %v", s, err)
	}
	if s1 := rr.String(); s1 != s {
		t.Fatalf("%q reparses as %q", s, s1)
	}
}
