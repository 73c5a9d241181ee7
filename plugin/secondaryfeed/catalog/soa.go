package catalog

import (
	"fmt"

	"github.com/miekg/dns"
)

// DefaultSOA holds the timers Zone uses for those the template leaves at zero: the
// consumers poll the catalog's SOA at Refresh even when a NOTIFY is missed.
var DefaultSOA = dns.SOA{Refresh: 3600, Retry: 600, Expire: 2419200, Minttl: 0}

// apexSOA is the template made the SOA of the catalog zone name.
func apexSOA(name string, t dns.SOA) (*dns.SOA, error) {
	soa := t
	soa.Hdr = dns.RR_Header{Name: name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: t.Hdr.Ttl}
	if soa.Ns == "" {
		soa.Ns = "invalid."
	}
	if soa.Mbox == "" {
		soa.Mbox = "invalid."
	}
	soa.Ns, soa.Mbox = dns.Fqdn(soa.Ns), dns.Fqdn(soa.Mbox)
	for _, n := range []string{soa.Ns, soa.Mbox} {
		if err := checkName(n); err != nil {
			return nil, fmt.Errorf("catalog zone %s: SOA: %w", name, err)
		}
	}
	if soa.Refresh == 0 {
		soa.Refresh = DefaultSOA.Refresh
	}
	if soa.Retry == 0 {
		soa.Retry = DefaultSOA.Retry
	}
	if soa.Expire == 0 {
		soa.Expire = DefaultSOA.Expire
	}
	return &soa, nil
}
