package zone

import (
	"slices"

	"github.com/miekg/dns"
)

// ns returns the apex NS records, with DO and their RRSIGs: the authority
// section of positive answers, as file sends it.
func (z *Zone) ns(do bool) []dns.RR { return z.apex.withSigs(dns.TypeNS, do) }

// negative returns the authority section's SOA for an NXDOMAIN or NODATA:
// with the TTL negativeSOA gives it, and with DO its RRSIGs, whose TTL must
// be the SOA's (RFC 4034 3).
func (z *Zone) negative(do bool) []dns.RR {
	sg := z.apex.sigs(dns.TypeSOA)
	if !do || sg == nil {
		return z.negSOA[:]
	}
	ttl := z.negSOA[0].Header().Ttl
	out := make([]dns.RR, 0, 1+len(sg))
	out = append(out, z.negSOA[0])
	for _, s := range sg {
		if s.Header().Ttl > ttl {
			s = dns.Copy(s)
			s.Header().Ttl = ttl
		}
		out = append(out, s)
	}
	return out
}

// glue returns the addresses (A, AAAA, with DO their RRSIGs) the zone holds
// for the name servers of nsrrs that are at or below their NS record's owner,
// as file's tree.Glue does.
func (z *Zone) glue(nsrrs []dns.RR, do bool) []dns.RR {
	var extra []dns.RR
	for _, rr := range nsrrs {
		ns, ok := rr.(*dns.NS)
		if !ok || !dns.IsSubDomain(ns.Hdr.Name, ns.Ns) {
			continue
		}
		extra = z.appendAddresses(extra, ns.Ns, do)
	}
	return clip(extra)
}

// additional returns the addresses the zone holds for the targets of the MX,
// SRV, SVCB and HTTPS records in answer (RFC 1035 3.3.9, RFC 2782, RFC 9460
// 4.1), each target once, as file's additionalProcessing does.
func (z *Zone) additional(answer []dns.RR, do bool) []dns.RR {
	var (
		extra []dns.RR
		seen  []string
	)
	for _, rr := range answer {
		name := target(rr)
		if name == "" {
			continue
		}
		rel, cmp, ok := z.relate(name)
		if !ok || cmp != 0 || slices.Contains(seen, rel) {
			continue
		}
		seen = append(seen, rel)
		extra = z.appendAddresses(extra, name, do)
	}
	return clip(extra)
}

// target returns the name whose addresses go in the additional section with
// rr, "" for none.
func target(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.MX:
		return r.Mx
	case *dns.SRV:
		return r.Target
	case *dns.SVCB:
		return svcbTarget(&r.Hdr, r.Priority, r.Target)
	case *dns.HTTPS:
		return svcbTarget(&r.Hdr, r.Priority, r.Target)
	}
	return ""
}

// svcbTarget: a TargetName of "." means the owner name in ServiceMode (RFC
// 9460 2.5.2), whose addresses the additional section then holds (RFC 9460
// 4.1); in AliasMode (priority 0) it means no service. file reads "." as the
// root, outside the zone, and adds nothing.
func svcbTarget(h *dns.RR_Header, priority uint16, target string) string {
	if target != "." {
		return target
	}
	if priority == 0 {
		return ""
	}
	return h.Name
}

// appendAddresses appends name's A and AAAA records (with DO their RRSIGs).
func (z *Zone) appendAddresses(extra []dns.RR, name string, do bool) []dns.RR {
	o, ok := z.get(name)
	if !ok {
		return extra
	}
	extra = append(extra, o.withSigs(dns.TypeA, do)...)
	return append(extra, o.withSigs(dns.TypeAAAA, do)...)
}

// coveringNSEC returns the NSEC (and its RRSIGs) of the last owner at or
// before rel that holds one: the NSEC that covers a name that does not exist
// (RFC 4035 3.1.3.2). Glue and names below a cut hold none, so the owner just
// before rel may not do (file takes that one, and then sends no NSEC). An
// unsigned zone (no NSEC at the apex) has none: no search then.
func (z *Zone) coveringNSEC(rel string) []dns.RR {
	if z.apex.run(dns.TypeNSEC) == nil {
		return nil
	}
	var out []dns.RR
	z.set.descend(rel, func(o owner) bool {
		out = o.withSigs(dns.TypeNSEC, true)
		return out == nil
	})
	return out
}
