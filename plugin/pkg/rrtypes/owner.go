package rrtypes

import "github.com/miekg/dns"

// WithOwner returns copies of rrs owned by name: a wildcard's records as
// synthesised for a name (RFC 4592 3.3.1), or an expansion as signed, owned
// by its wildcard (RFC 4035 5.3.2). rrs is not changed.
func WithOwner(rrs []dns.RR, name string) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = name
	}
	return out
}
