package sqlsign

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/pkg/signsource"
)

// signMsg adds an RRSIG per signing key after every RRset of the answer and
// authority sections that a zone of ours holds, and reports whether it
// added any. The sections are rebuilt, never changed in place: the data
// plugin may hand out slices and records it keeps. An answer made only of
// records the data plugin keeps, signed by one zone's keys, is remembered
// whole (answerMemo): the next query for it costs one lookup.
//
// The additional section is not signed. Its records are not part of the
// answer (RFC 4035 3.1.1 makes their RRSIGs optional), and at a delegation
// it holds glue, which is not authoritative data and must never be signed
// (RFC 4035 2.2).
func (s *SQLSign) signMsg(ctx context.Context, res *dns.Msg, now time.Time, server string) bool {
	key := answerKey(res.Answer, res.Ns)
	if a, ok := s.answers.find(ctx, s, key, res, now); ok {
		res.Answer, res.Ns = a.signedAnswer, a.signedNs
		cacheHits.WithLabelValues(server).Add(float64(a.sigs))
		return true
	}
	as := s.signing(ctx, now, server)
	answer, added := as.section(res.Answer)
	ns, addedNs := as.section(res.Ns)
	if (added || addedNs) && as.remembered() {
		s.answers.add(key, res, answer, ns, as)
	}
	res.Answer, res.Ns = answer, ns
	return added || addedNs
}

// answerSigning is the signing of one answer. What it used decides whether
// the signed answer can be remembered whole: only when one zone's keys
// signed it all, and only records the data plugin keeps were signed.
type answerSigning struct {
	s      *SQLSign
	ctx    context.Context
	now    time.Time
	server string

	zone      signsource.Zone // whose keys signed the RRsets so far
	inception uint32
	added     int  // RRSIGs added
	transient bool // another zone's keys, a record made for this answer, or a failure
}

func (s *SQLSign) signing(ctx context.Context, now time.Time, server string) *answerSigning {
	return &answerSigning{s: s, ctx: ctx, now: now, server: server}
}

// remembered reports whether the signed answer may be remembered whole.
func (as *answerSigning) remembered() bool { return as.zone != nil && !as.transient }

// used records that z's keys signed an RRset.
func (as *answerSigning) used(z signsource.Zone, inception uint32) {
	switch {
	case as.zone == nil:
		as.zone, as.inception = z, inception
	case as.zone.Keys() != z.Keys() || as.zone.Origin() != z.Origin():
		as.transient = true
	}
}

func (as *answerSigning) section(rrs []dns.RR) ([]dns.RR, bool) {
	if len(rrs) == 0 {
		return rrs, false
	}
	sets := rrsets(rrs)
	out := make([]dns.RR, 0, len(rrs)+2*len(sets))
	added := false
	for _, set := range sets {
		out = append(out, set...)
		sigs := as.signSet(set)
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
func (as *answerSigning) signSet(set []dns.RR) []dns.RR {
	h := set[0].Header()
	switch h.Rrtype {
	case dns.TypeRRSIG, dns.TypeOPT, dns.TypeTSIG:
		return nil
	}
	z := as.s.zoneOf(as.ctx, set)
	if z == nil || !z.Keys().Secured() {
		return nil // not ours (an external CNAME target), or unsigned
	}
	origin := z.Origin()
	// An NS RRset below the apex is a delegation: the child's data, not
	// authoritative here, never signed (RFC 4035 2.2).
	if h.Rrtype == dns.TypeNS && !strings.EqualFold(h.Name, origin) {
		return nil
	}
	wildcard := ""
	if h.Rrtype != dns.TypeNSEC && h.Rrtype != dns.TypeNSEC3 {
		// RFC 4035 5.3.2, RFC 4034 3.1.3: an RRset expanded from a
		// wildcard is signed as the wildcard's; the Labels field, set from
		// the owner by RRSIG.Sign, tells the validator.
		wildcard = z.Wildcard(h.Name)
	}
	return as.sigs(z, set, wildcard)
}

// sigs signs set, as owned by wildcard when it was expanded from one, with
// every key of z that signs its type and returns the RRSIGs owned by set's
// owner.
func (as *answerSigning) sigs(z signsource.Zone, set []dns.RR, wildcard string) []dns.RR {
	h := set[0].Header()
	kr, origin, s := z.Keys(), z.Origin(), as.s
	keys := kr.Signers(h.Rrtype)
	if len(keys) == 0 {
		return nil
	}
	inception, expiration := kr.Validity(as.now)
	as.used(z, inception)
	d := lazyDigest{origin: origin, answered: set, wildcard: wildcard}
	out := make([]dns.RR, 0, len(keys))
	for _, k := range keys {
		sig, byIdentity, err := s.signatureOf(k, &d, inception, expiration, as.server)
		if err != nil {
			as.transient = true
			signingFailures.WithLabelValues(as.server).Inc()
			log.Errorf("Signing %s/%s with key %d: %v", h.Name, dns.TypeToString[h.Rrtype], k.ID, err)
			continue
		}
		as.transient = as.transient || !byIdentity
		if sig.Hdr.Name == h.Name && sig.Hdr.Ttl == h.Ttl {
			out = append(out, sig) // shared, as the data plugin shares its records
			continue
		}
		c := *sig // the cached one is shared: hand out a copy
		c.Hdr.Name = h.Name
		c.Hdr.Ttl = h.Ttl
		out = append(out, &c)
	}
	as.added += len(out)
	return out
}

// lazyDigest is the digest of an RRset, packed only when a signature is not
// found by the records' identity.
type lazyDigest struct {
	origin   string
	answered []dns.RR // as answered: its records' identity finds its signatures
	wildcard string   // the owner it is signed as, when expanded from a wildcard
	signed   []dns.RR // answered, owned by the wildcard: made when first needed
	done     bool
	d        rrsetDigest
	err      error
}

// set returns the RRset as signed.
func (l *lazyDigest) set() []dns.RR {
	if l.signed == nil {
		l.signed = l.answered
		if l.wildcard != "" {
			l.signed = rrtypes.WithOwner(l.answered, l.wildcard)
		}
	}
	return l.signed
}

func (l *lazyDigest) get() (rrsetDigest, error) {
	if !l.done {
		l.d, l.err = digestRRset(l.origin, l.set())
		l.done = true
	}
	return l.d, l.err
}

// signatureOf returns the RRSIG by k of d's RRset, and whether d's records are
// ones the data plugin keeps (found by identity): by the records' identity
// when the cache has seen them, else by their content (signature),
// remembered by identity for next time. What a data plugin makes for one
// answer is remembered by identity only when it is likely to come back, so
// that a flood of random names, each asked once, leaves the identity cache
// and the answer memo alone:
//   - NSEC records are the zone's chain, which the data plugin makes once
//     per version (signsource.Source): always.
//   - NSEC3 white lies are kept by the data plugin only for names asked again
//     (a bounded table), and other data plugins may keep none: once their
//     content was signed before.
//   - RRsets expanded from a wildcard, which sqlbackend keeps for names asked
//     again: once the very same records were signed before (expanded). Their
//     content is the wildcard's, the same for every name, so it cannot tell.
func (s *SQLSign) signatureOf(k pdnskeys.Key, d *lazyDigest, inception, expiration uint32, server string) (*dns.RRSIG, bool, error) {
	ik := identityKey(d.origin, d.answered, k.Tag, k.DNSKEY.Algorithm, inception, expiration)
	if sig, ok := s.cache.getIdentical(ik, d.answered); ok {
		cacheHits.WithLabelValues(server).Inc()
		return sig, true, nil
	}
	digest, err := d.get()
	if err != nil {
		return nil, false, fmt.Errorf("packing: %w", err)
	}
	sig, seen, err := s.signature(k, d.origin, d.set(), digest, inception, expiration, server)
	if err != nil {
		return nil, false, err
	}
	byIdentity := true
	switch {
	case d.answered[0].Header().Rrtype == dns.TypeNSEC3:
		byIdentity = seen
	case d.wildcard != "":
		byIdentity = s.expanded.again(ik)
	}
	if byIdentity {
		s.cache.addIdentical(ik, d.answered, sig)
		cacheEntries.WithLabelValues(server).Set(float64(s.cache.entries()))
	}
	return sig, byIdentity, nil
}

// signature returns the RRSIG of set by k, from the cache (seen) or made now.
// Concurrent misses for the same signature (a popular name at the start of
// a week) make it once.
func (s *SQLSign) signature(k pdnskeys.Key, origin string, set []dns.RR, d rrsetDigest, inception, expiration uint32, server string) (*dns.RRSIG, bool, error) {
	tag := k.Tag
	key := d.keyFor(tag, k.DNSKEY.Algorithm, inception, expiration)
	if sig, ok := s.cache.get(key); ok {
		cacheHits.WithLabelValues(server).Inc()
		return sig, true, nil
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
		return nil, false, err
	}
	return v.(*dns.RRSIG), false, nil
}
