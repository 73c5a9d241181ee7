package sqlsign

import (
	"context"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
)

// signMsg adds an RRSIG per signing key after every RRset of the answer and
// authority sections that a zone of ours holds, and reports whether it
// added any. The sections are rebuilt, never changed in place: the data
// plugin may hand out slices and records it keeps.
//
// The additional section is not signed. Its records are not part of the
// answer (RFC 4035 3.1.1 makes their RRSIGs optional), and at a delegation
// it holds glue, which is not authoritative data and must never be signed
// (RFC 4035 2.2).
func (s *SQLSign) signMsg(ctx context.Context, res *dns.Msg, now time.Time, server string) bool {
	var added bool
	res.Answer, added = s.signSection(ctx, res.Answer, now, server)
	ns, addedNs := s.signSection(ctx, res.Ns, now, server)
	res.Ns = ns
	return added || addedNs
}

func (s *SQLSign) signSection(ctx context.Context, rrs []dns.RR, now time.Time, server string) ([]dns.RR, bool) {
	if len(rrs) == 0 {
		return rrs, false
	}
	sets := rrsets(rrs)
	out := make([]dns.RR, 0, len(rrs)+2*len(sets))
	added := false
	for _, set := range sets {
		out = append(out, set...)
		sigs := s.signSet(ctx, set, now, server)
		out = append(out, sigs...)
		added = added || len(sigs) > 0
	}
	return out, added
}

// rrsets groups rrs by owner, type and class, in the order each RRset first
// appears (a CNAME chain stays in order).
func rrsets(rrs []dns.RR) [][]dns.RR {
	var sets [][]dns.RR
next:
	for _, rr := range rrs {
		h := rr.Header()
		for i, set := range sets {
			h0 := set[0].Header()
			if h0.Rrtype == h.Rrtype && h0.Class == h.Class && strings.EqualFold(h0.Name, h.Name) {
				sets[i] = append(set, rr)
				continue next
			}
		}
		sets = append(sets, []dns.RR{rr})
	}
	return sets
}

// signSet returns the RRSIGs of set, nil when it is not ours to sign.
func (s *SQLSign) signSet(ctx context.Context, set []dns.RR, now time.Time, server string) []dns.RR {
	h := set[0].Header()
	switch h.Rrtype {
	case dns.TypeRRSIG, dns.TypeOPT, dns.TypeTSIG:
		return nil
	}
	z := s.zoneOf(ctx, set)
	if z == nil || !z.Keys().Secured() {
		return nil // not ours (an external CNAME target), or unsigned
	}
	origin := z.Origin()
	// An NS RRset below the apex is a delegation: the child's data, not
	// authoritative here, never signed (RFC 4035 2.2).
	if h.Rrtype == dns.TypeNS && !strings.EqualFold(h.Name, origin) {
		return nil
	}
	signed := set
	if h.Rrtype != dns.TypeNSEC && h.Rrtype != dns.TypeNSEC3 {
		if wc := z.Wildcard(h.Name); wc != "" {
			// RFC 4035 5.3.2, RFC 4034 3.1.3: an RRset expanded from a
			// wildcard is signed as the wildcard's; the Labels field, set
			// from the owner by RRSIG.Sign, tells the validator.
			signed = withOwner(set, wc)
		}
	}
	return s.sigs(z.Keys(), origin, signed, h, now, server)
}

// sigs signs set (maybe wildcard-owned) with every key that signs its type
// and returns the RRSIGs owned by the answer's owner (h).
func (s *SQLSign) sigs(kr *pdnskeys.Keyring, origin string, set []dns.RR, h *dns.RR_Header, now time.Time, server string) []dns.RR {
	keys := kr.Signers(h.Rrtype)
	if len(keys) == 0 {
		return nil
	}
	digest, err := digestRRset(origin, set)
	if err != nil {
		signingFailures.WithLabelValues(server).Inc()
		log.Errorf("Packing %s/%s: %v", h.Name, dns.TypeToString[h.Rrtype], err)
		return nil
	}
	inception, expiration := kr.Validity(now)
	out := make([]dns.RR, 0, len(keys))
	for _, k := range keys {
		sig, err := s.signature(k, origin, set, digest, inception, expiration, server)
		if err != nil {
			signingFailures.WithLabelValues(server).Inc()
			log.Errorf("Signing %s/%s with key %d: %v", h.Name, dns.TypeToString[h.Rrtype], k.ID, err)
			continue
		}
		c := *sig // the cached one is shared: hand out a copy
		c.Hdr.Name = h.Name
		c.Hdr.Ttl = h.Ttl
		out = append(out, &c)
	}
	return out
}

// signature returns the RRSIG of set by k, from the cache or made now.
// Concurrent misses for the same signature (a popular name at the start of
// a week) make it once.
func (s *SQLSign) signature(k pdnskeys.Key, origin string, set []dns.RR, d rrsetDigest, inception, expiration uint32, server string) (*dns.RRSIG, error) {
	tag := s.tags.tag(k.DNSKEY)
	key := d.keyFor(tag, k.DNSKEY.Algorithm, inception, expiration)
	if sig, ok := s.cache.get(key); ok {
		cacheHits.WithLabelValues(server).Inc()
		return sig, nil
	}
	cacheMisses.WithLabelValues(server).Inc()
	v, err := s.inflight.Do(key.a, func() (any, error) {
		sig := &dns.RRSIG{
			Hdr:        dns.RR_Header{Ttl: set[0].Header().Ttl},
			KeyTag:     tag,
			Algorithm:  k.DNSKEY.Algorithm,
			SignerName: origin,
			Inception:  inception,
			Expiration: expiration,
		}
		if err := sig.Sign(k.Signer, set); err != nil {
			return nil, err
		}
		signaturesMade.WithLabelValues(server, dns.AlgorithmToString[sig.Algorithm]).Inc()
		s.cache.add(key, sig)
		cacheEntries.WithLabelValues(server).Set(float64(s.cache.entries()))
		return sig, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*dns.RRSIG), nil
}

// withOwner returns copies of set owned by name.
func withOwner(set []dns.RR, name string) []dns.RR {
	out := make([]dns.RR, len(set))
	for i, rr := range set {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = name
	}
	return out
}
