package sqlsign

import (
	"context"
	"fmt"
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
	inception, expiration := kr.Validity(now)
	d := lazyDigest{origin: origin, set: set}
	out := make([]dns.RR, 0, len(keys))
	for _, k := range keys {
		sig, err := s.signatureOf(k, &d, inception, expiration, server)
		if err != nil {
			signingFailures.WithLabelValues(server).Inc()
			log.Errorf("Signing %s/%s with key %d: %v", h.Name, dns.TypeToString[h.Rrtype], k.ID, err)
			continue
		}
		if sig.Hdr.Name == h.Name && sig.Hdr.Ttl == h.Ttl {
			out = append(out, sig) // shared, as the data plugin shares its records
			continue
		}
		c := *sig // the cached one is shared: hand out a copy
		c.Hdr.Name = h.Name
		c.Hdr.Ttl = h.Ttl
		out = append(out, &c)
	}
	return out
}

// lazyDigest is the digest of an RRset, packed only when a signature is not
// found by the records' identity.
type lazyDigest struct {
	origin string
	set    []dns.RR
	done   bool
	d      rrsetDigest
	err    error
}

func (l *lazyDigest) get() (rrsetDigest, error) {
	if !l.done {
		l.d, l.err = digestRRset(l.origin, l.set)
		l.done = true
	}
	return l.d, l.err
}

// signatureOf returns the RRSIG by k of d's RRset: by the records' identity
// when they are ones the cache has seen (records the data plugin keeps),
// else by their content (signature), remembered by identity for next time.
// Records made for one answer (NSEC, NSEC3, the wildcard-owned copy of an
// expanded RRset) are never seen again: they are not remembered by identity,
// so they do not crowd out the others.
func (s *SQLSign) signatureOf(k pdnskeys.Key, d *lazyDigest, inception, expiration uint32, server string) (*dns.RRSIG, error) {
	h := d.set[0].Header()
	byIdentity := h.Rrtype != dns.TypeNSEC && h.Rrtype != dns.TypeNSEC3 && !strings.HasPrefix(h.Name, "*.")
	var ik sigKey
	if byIdentity {
		tag := k.Tag
		ik = identityKey(d.origin, d.set, tag, k.DNSKEY.Algorithm, inception, expiration)
		if sig, ok := s.cache.getIdentical(ik, d.set); ok {
			cacheHits.WithLabelValues(server).Inc()
			return sig, nil
		}
	}
	digest, err := d.get()
	if err != nil {
		return nil, fmt.Errorf("packing: %w", err)
	}
	sig, err := s.signature(k, d.origin, d.set, digest, inception, expiration, server)
	if err == nil && byIdentity {
		s.cache.addIdentical(ik, d.set, sig)
	}
	return sig, err
}

// signature returns the RRSIG of set by k, from the cache or made now.
// Concurrent misses for the same signature (a popular name at the start of
// a week) make it once.
func (s *SQLSign) signature(k pdnskeys.Key, origin string, set []dns.RR, d rrsetDigest, inception, expiration uint32, server string) (*dns.RRSIG, error) {
	tag := k.Tag
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
