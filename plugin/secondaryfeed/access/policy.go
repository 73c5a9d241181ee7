package access

import (
	"net/netip"
	"slices"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// Policy is one layer of a zone's transfer settings, or their merge.
type Policy struct {
	// Allow are the sources that may transfer without TSIG.
	Allow []netip.Prefix
	// AutoNS (ALLOW-AXFR-FROM AUTO-NS) allows the addresses of the zone's NS
	// targets too: WithNS adds them, as the caller knows the zone's records.
	AutoNS bool
	// Keys are the accepted TSIG key names (lower case, fully qualified): a
	// request signed with one may transfer from any source.
	Keys []string
	// NotifyTo are the NOTIFY targets, host:port.
	NotifyTo []string
	// NotifyKey signs this layer's NOTIFYs; "" is the layer's first key
	// (PowerDNS signs with the first TSIG-ALLOW-AXFR key).
	NotifyKey string
}

// FromMeta is the layer of a zone's settings in its data plugin.
func FromMeta(z xfrmeta.Zone) Policy {
	return Policy{Allow: z.Allow, AutoNS: z.AutoNS, Keys: z.Keys, NotifyTo: z.AlsoNotify, NotifyKey: z.NotifyKey()}
}

// signer is the key that signs the layer's NOTIFYs, "" for none.
func (p Policy) signer() string {
	if p.NotifyKey != "" || len(p.Keys) == 0 {
		return p.NotifyKey
	}
	return p.Keys[0]
}

// Merge returns a zone's policy from its layers, least specific first: the
// Corefile's default, the data plugin's settings (SQL), the zone's Corefile
// block. Allow, Keys and NotifyTo are the union of the layers (as PowerDNS
// unions allow-axfr-ips and ALLOW-AXFR-FROM): a layer adds secondaries, it
// never takes the default's away. NotifyKey is the most specific layer's
// signer. Targets says which key signs each target.
func Merge(layers ...Policy) Policy {
	var m Policy
	for _, l := range layers {
		m.Allow = union(m.Allow, l.Allow)
		m.AutoNS = m.AutoNS || l.AutoNS
		m.Keys = union(m.Keys, l.Keys)
		m.NotifyTo = union(m.NotifyTo, l.NotifyTo)
		if s := l.signer(); s != "" {
			m.NotifyKey = s
		}
	}
	return m
}

// WithNS returns p allowing addrs too when p has AutoNS: the caller passes
// the addresses of the zone's NS targets.
func (p Policy) WithNS(addrs []netip.Addr) Policy {
	if !p.AutoNS {
		return p
	}
	q := p
	q.Allow = slices.Clone(p.Allow)
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		q.Allow = union(q.Allow, []netip.Prefix{netip.PrefixFrom(a, a.BitLen())})
	}
	return q
}

// union appends to a the elements of b it lacks, keeping order.
func union[T comparable](a, b []T) []T {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}
