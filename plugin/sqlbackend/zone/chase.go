package zone

import (
	"context"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
)

// maxHops is how many CNAMEs a chain may hold: file stops after ten and
// answers with the chain so far, which a resolver then follows itself.
const maxHops = 10

// follow adds the CNAME cn (with its RRSIGs sg) to the chain and answers its
// target (RFC 1034 4.3.2 step 3a), in whichever served zone holds it.
func (l *lookup) follow(z *Zone, cn, sg []dns.RR) Answer {
	l.chain = append(l.chain, cn...)
	if l.sigs(z) {
		l.chain = append(l.chain, sg...)
	}
	l.hops++
	c := cn[0].(*dns.CNAME)
	if sameName(c.Hdr.Name, c.Target) {
		l.abort = true // can only loop; file answers SERVFAIL, nothing else
		return Answer{Result: ServerFailure}
	}
	if l.hops >= maxHops {
		return Answer{Result: Success}
	}
	return l.resolve(z, c.Target)
}

// dname answers qname, below the DNAME d at o, with d and the CNAME it
// synthesises (RFC 6672 3.2), and follows that unless the query is for CNAME.
func (l *lookup) dname(z *Zone, qname string, o owner, d *dns.DNAME) Answer {
	cn := synthesize(qname, d)
	l.chain = append(l.chain, d)
	if l.sigs(z) {
		l.chain = append(l.chain, o.sigs(dns.TypeDNAME)...)
	}
	if l.qtype == dns.TypeCNAME {
		if sameName(qname, cn.Target) {
			l.abort = true
		}
		l.chain = append(l.chain, cn)
		return Answer{Result: Success}
	}
	return l.follow(z, []dns.RR{cn}, nil)
}

// synthesize makes the CNAME that DNAME d gives qname, a name below d's owner:
// the owner's labels replaced by d's target, with d's TTL (RFC 6672 3.2).
func synthesize(qname string, d *dns.DNAME) *dns.CNAME {
	prefix := qname[:len(qname)-len(d.Hdr.Name)] // qname's key ends with the owner's: same labels, maybe other case
	target := prefix + d.Target
	if d.Target == "." {
		target = prefix
	}
	return &dns.CNAME{Hdr: dns.RR_Header{Name: qname, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: d.Hdr.Ttl}, Target: target}
}

// resolve answers target from the served zone that holds it, or from outside.
func (l *lookup) resolve(z *Zone, target string) Answer {
	y := z
	if l.c != nil {
		y = l.c.Zone(target)
	}
	if y == nil {
		return l.external(target)
	}
	l.last = y
	rel, cmp, ok := y.relate(target)
	if !ok || cmp != 0 {
		if l.c == nil {
			return l.external(target)
		}
		return Answer{Result: ServerFailure}
	}
	return l.answer(y, target, rel)
}

// external resolves target outside every served zone, mapping the response as
// file does.
func (l *lookup) external(target string) Answer {
	if l.c == nil {
		return Answer{Result: ServerFailure} // file with no upstream
	}
	ctx := context.WithValue(l.ctx, dnsserver.LoopKey{}, l.loop+1)
	m, err := l.c.External(ctx, target, l.qtype)
	switch {
	case err != nil:
		return Answer{Result: ServerFailure}
	case m == nil:
		return Answer{Result: Success}
	case m.Rcode == dns.RcodeNameError:
		return Answer{Answer: m.Answer, Ns: soaOf(m.Ns), Result: NameError}
	case m.Rcode == dns.RcodeServerFailure:
		return Answer{Answer: m.Answer, Result: ServerFailure}
	case m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0:
		return Answer{Ns: soaOf(m.Ns), Result: NoData}
	}
	// Anything else, REFUSED included, keeps NOERROR: the chain is the answer
	// and the resolver follows its target itself (as file).
	return Answer{Answer: m.Answer, Result: Success}
}

// soaOf returns the SOA records of an external negative answer's authority
// section, and the RRSIGs over them.
func soaOf(ns []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range ns {
		if s, ok := rr.(*dns.RRSIG); rr.Header().Rrtype == dns.TypeSOA || ok && s.TypeCovered == dns.TypeSOA {
			out = append(out, rr)
		}
	}
	return clip(out)
}

// finish puts the chain followed, if any, in front of the answer a at its
// end, and after its authority section the proofs that the wildcards
// answering on the way matched no closer name (online denial).
func (l *lookup) finish(a Answer) Answer {
	a = l.chained(a)
	if len(l.proof) > 0 && a.Result != ServerFailure {
		a.Ns = clip(concat(a.Ns, l.proof))
	}
	return a
}

// chained puts the chain followed, if any, in front of the answer a.
func (l *lookup) chained(a Answer) Answer {
	if l.abort {
		return Answer{Result: ServerFailure}
	}
	if len(l.chain) == 0 {
		return a
	}
	answer := clip(append(l.chain, a.Answer...))
	switch a.Result {
	case Delegation:
		// RFC 1034 4.3.2 step 3b: the chain and the referral.
		return Answer{Answer: answer, Ns: a.Ns, Extra: a.Extra, Result: Delegation}
	case NoData, NameError:
		// RFC 2308 2.1 and 2.2: the SOA of the zone where the chain ended
		// (and, with DO, its NSECs: RFC 4035 3.1.3). file sends the SOA of
		// the zone asked, and for a NODATA at a name it holds the NS and
		// NOERROR with Result Success.
		return Answer{Answer: answer, Ns: a.Ns, Extra: l.start.additional(answer, l.sigs(l.start)), Result: a.Result}
	}
	// The authority and additional data of the zone that holds the answer's
	// last name, as NSD and BIND send them (test/sqlbackend/rfc_test.go): its
	// NS records are the ones that vouch for it. Within one zone that is the
	// zone asked, as in file; after an External answer too.
	z := l.start
	if l.last != nil {
		z = l.last
	}
	return Answer{Answer: answer, Ns: z.ns(l.sigs(z)), Extra: z.additional(answer, l.sigs(z)), Result: a.Result}
}

// sameName reports whether a and b are the same domain name.
func sameName(a, b string) bool {
	ka, err1 := nameKey(a)
	kb, err2 := nameKey(b)
	return err1 == nil && err2 == nil && ka == kb
}
