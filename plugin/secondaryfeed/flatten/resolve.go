package flatten

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

// resolve asks the chain for qtype at o. NOERROR and NXDOMAIN are answers (no records
// of the type is a valid result, as alias answers NODATA for a target without
// addresses); anything else, no answer or a timeout is a failure.
func (c *converter) resolve(ctx context.Context, o *owner, qtype uint16, src string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	m := c.lookup(ctx, o.name, qtype)
	switch {
	case ctx.Err() != nil:
		return Result{}, fmt.Errorf("looking up %s %s: %w", o.name, typeString(qtype), ctx.Err())
	case m == nil:
		return Result{}, fmt.Errorf("looking up %s %s: no answer", o.name, typeString(qtype))
	case m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError:
		return Result{}, fmt.Errorf("looking up %s %s: %s", o.name, typeString(qtype), dns.RcodeToString[m.Rcode])
	}
	r := Result{Resolved: c.now, TTL: o.minTTL(rrtypes.TypeALIAS, rrtypes.TypeURL), Source: src}
	for _, rr := range m.Answer {
		h := rr.Header()
		if h.Rrtype == qtype && strings.EqualFold(h.Name, o.name) {
			r.RRs = append(r.RRs, dns.Copy(rr))
		}
	}
	if len(r.RRs) > 0 {
		r.TTL = r.RRs[0].Header().Ttl
		for _, rr := range r.RRs {
			r.TTL = min(r.TTL, rr.Header().Ttl)
		}
	}
	return r, nil
}

// source says what a result was resolved from: the name's ALIAS/URL/POOL records, "@",
// and a digest of the whole zone. A stored result is reused only while it is fresh and
// its source is the same: an edited ALIAS, or any change to the zone (an in-zone target's
// addresses, say), makes the next run ask the chain again. When the chain fails, the
// last result of the same records is fed, whatever the digest (see sameRecords).
func (c *converter) source(o *owner) string {
	s := make([]string, 0, len(o.special))
	for _, rr := range o.special {
		s = append(s, rr.String()[len(rr.Header().String()):])
	}
	slices.Sort(s)
	return strings.Join(s, "|") + "@" + c.digest
}

// sameRecords reports whether sources a and b are of the same ALIAS/URL records, whatever
// the rest of the zone: a failed resolution falls back on the last good result of the
// same records even when another record of the zone changed meanwhile.
func sameRecords(a, b string) bool {
	i, j := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
	return i >= 0 && j >= 0 && a[:i] == b[:j]
}

// digest returns a digest of rrs that does not depend on their order (two nodes may
// read the same zone in different orders): the sum of a hash of each record, names
// lower-cased.
func digest(rrs []dns.RR) string {
	var sum uint64
	for _, rr := range rrs {
		h := sha256.Sum256([]byte(strings.ToLower(rr.String())))
		sum += binary.BigEndian.Uint64(h[:8])
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], sum)
	return hex.EncodeToString(b[:])
}
