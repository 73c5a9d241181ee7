package sqlsign

import (
	"context"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

// defaultKeyTTL is the TTL of DNSKEY/CDS/CDNSKEY when the chain's answer
// carries no SOA to take it from.
const defaultKeyTTL = 3600

// serveKeys answers DNSKEY, CDS and CDNSKEY at the apex of a secured zone
// from its keyring: the keys live in cryptokeys, not among the records. The
// chain below is asked first, for the zone's SOA (the TTL) and for the
// answer to send when the keyring has none of the type (CDS and CDNSKEY
// when not published: the data plugin's NODATA).
func (s *SQLSign) serveKeys(ctx context.Context, w *ResponseWriter, r *dns.Msg, z signsource.Zone) (int, error) {
	cw := &capture{ResponseWriter: w.ResponseWriter}
	rc, err := plugin.NextOrFailure(s.Name(), s.Next, ctx, cw, r)
	if cw.msg == nil {
		return rc, err // nothing written: the server writes the rcode
	}
	if cw.msg.Rcode != dns.RcodeSuccess && cw.msg.Rcode != dns.RcodeNameError {
		return rc, w.WriteMsg(cw.msg)
	}
	ttl := keyTTL(cw.msg)
	kr := z.Keys()
	var rrs []dns.RR
	switch r.Question[0].Qtype {
	case dns.TypeDNSKEY:
		rrs = kr.DNSKEYs(ttl)
	case dns.TypeCDS:
		rrs = kr.CDS(ttl)
	case dns.TypeCDNSKEY:
		rrs = kr.CDNSKEY(ttl)
	}
	if len(rrs) == 0 {
		return rc, w.WriteMsg(cw.msg)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.Answer = rrs
	return dns.RcodeSuccess, w.WriteMsg(m)
}

// keyTTL is the TTL of the key records: pdnskeys.KeyTTL of the zone's SOA,
// taken from the chain's answer.
func keyTTL(m *dns.Msg) uint32 {
	for _, sec := range [][]dns.RR{m.Ns, m.Answer} {
		for _, rr := range sec {
			if soa, ok := rr.(*dns.SOA); ok {
				return pdnskeys.KeyTTL(soa)
			}
		}
	}
	return defaultKeyTTL
}

// editSOAs returns rrs with the SOA of every secured zone changed as its
// SOA-EDIT says (a copy of rrs when one changes: the data plugin's slices
// and records are never written to).
func (s *SQLSign) editSOAs(ctx context.Context, rrs []dns.RR, now time.Time) []dns.RR {
	copied := false
	for i, rr := range rrs {
		soa, ok := rr.(*dns.SOA)
		if !ok || plugin.Zones(s.zones).Matches(soa.Hdr.Name) == "" {
			continue
		}
		z := s.signingZone(ctx, soa.Hdr.Name)
		if z == nil || !equalName(z.Origin(), soa.Hdr.Name) || !z.Keys().Secured() {
			continue
		}
		edited := z.Keys().EditSOA(soa, now)
		if edited == soa {
			continue
		}
		if !copied {
			rrs = append([]dns.RR(nil), rrs...)
			copied = true
		}
		rrs[i] = edited
	}
	return rrs
}

// capture keeps the message the chain writes instead of sending it.
type capture struct {
	dns.ResponseWriter
	msg *dns.Msg
}

func (c *capture) WriteMsg(m *dns.Msg) error { c.msg = m; return nil }

func (c *capture) Write(buf []byte) (int, error) {
	m := new(dns.Msg)
	if err := m.Unpack(buf); err != nil {
		return 0, err
	}
	c.msg = m
	return len(buf), nil
}
