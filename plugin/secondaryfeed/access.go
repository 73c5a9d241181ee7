package secondaryfeed

import (
	"context"
	"net/netip"
	"sync"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
)

// gate holds the transfer and NOTIFY settings of the fed zones, in layers (package
// access): the zone's metadata in SQL (domainmetadata, read through xfrmeta.Source, as
// current as the source's other data), then this block's Corefile settings, which win
// where only one can (the NOTIFY key).
type gate struct {
	corefile access.Policy
	keys     map[string]xfrmeta.Key // the Corefile's tsig_key lines
	meta     []xfrmeta.Source       // the block's plugins that keep zones' settings
	server   *dnsserver.Config      // its TSIG secrets verify requests; nil in tests
	warned   sync.Map               // keys said to be unverifiable, once each
}

// layers returns zone's settings, SQL's first.
func (g *gate) layers(zone string) []access.Policy {
	var out []access.Policy
	for _, s := range g.meta {
		if m, ok := s.XfrMeta(zone); ok {
			out = append(out, access.FromMeta(m))
			break
		}
	}
	return append(out, g.corefile)
}

// policy returns zone's merged settings; AUTO-NS allows the addresses of the NS records'
// targets found in v (in-zone names only: glue).
func (g *gate) policy(zone string, v *journal.Version) access.Policy {
	p := access.Merge(g.layers(zone)...)
	if p.AutoNS && v != nil {
		p = p.WithNS(nsAddrs(v.RRs))
	}
	return p
}

// targets returns zone's NOTIFY targets, each with the key that signs its NOTIFY.
func (g *gate) targets(zone string) []notify.Target {
	var src xfrmeta.Source
	if len(g.meta) > 0 {
		src = g.meta[0]
	}
	ts, errs := access.Targets(access.Keys(g.keys, src), g.layers(zone)...)
	for _, err := range errs {
		log.Warningf("Zone %s: %v", zone, err)
	}
	return ts
}

// Allow implements Policy with the gate: the client's address, its TSIG key and the
// key's status against zone's settings.
func (g *gate) Allow(ctx context.Context, state request.Request, zone string, v *journal.Version) access.Decision {
	key, status := access.RequestKey(ctx, state.W, state.Req)
	remote, err := netip.ParseAddr(state.IP())
	if err != nil {
		return access.Decision{Rcode: dns.RcodeRefused, Reason: "no client address"}
	}
	p := g.policy(zone, v)
	g.warnUnverifiable(zone, p)
	return p.Check(remote, key, status)
}

// warnUnverifiable warns, once per key, of a zone's accepted key (e.g. SQL's
// TSIG-ALLOW-AXFR) that neither the server nor the data plugin has a secret for: requests
// signed with it get NOTAUTH. A key only the data plugin has is verified by ownTSIG.
func (g *gate) warnUnverifiable(zone string, p access.Policy) {
	if g.server == nil {
		return
	}
	for _, k := range access.Unverifiable(g.server, p) {
		if _, ok := g.dataKey(k); ok {
			continue
		}
		if _, done := g.warned.LoadOrStore(k, true); !done {
			log.Warningf("Zone %s accepts TSIG key %s, which has no secret (no tsigkeys row, tsig_key or tsig plugin key)", zone, k)
		}
	}
}

// dataKey finds the key named name in the block's data plugins (SQL's tsigkeys, as far
// as zones' settings name it), read live.
func (g *gate) dataKey(name string) (xfrmeta.Key, bool) {
	for _, s := range g.meta {
		if k, ok := s.TSIGKey(name); ok {
			return k, true
		}
	}
	return xfrmeta.Key{}, false
}

// nsAddrs returns the addresses of the in-zone targets of rrs' NS records.
func nsAddrs(rrs []dns.RR) []netip.Addr {
	targets := map[string]bool{}
	for _, rr := range rrs {
		if ns, ok := rr.(*dns.NS); ok {
			targets[dns.CanonicalName(ns.Ns)] = true
		}
	}
	var out []netip.Addr
	for _, rr := range rrs {
		if !targets[dns.CanonicalName(rr.Header().Name)] {
			continue
		}
		var ip []byte
		switch a := rr.(type) {
		case *dns.A:
			ip = a.A
		case *dns.AAAA:
			ip = a.AAAA
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, addr.Unmap())
		}
	}
	return out
}
