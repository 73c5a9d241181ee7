package zone

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/miekg/dns"
)

// The proof check validates an online zone's answer as a resolver would
// (RFC 4035 5.4, RFC 5155 8), from the records alone: the canonical order
// written from the RFC (refCompare) for NSEC, dns.NSEC3's Cover and Match
// for NSEC3. It asks the engine only which wildcard answered a name
// (Wildcard, what a signer puts in the RRSIG's Labels field).

// checkProof returns why a, the answer of z (and the zones of served) to
// qname/qtype with DO, does not prove what it says, nil if it does.
func checkProof(served servedZones, qname string, qtype uint16, a Answer) error {
	if a.Result == ServerFailure {
		return nil // nothing is answered, nothing to prove
	}
	chain, last := chainNames(qname, qtype, a.Answer)
	for _, rr := range concat(concat(a.Answer, a.Ns), a.Extra) {
		if rr.Header().Rrtype == dns.TypeRRSIG {
			return fmt.Errorf("an RRSIG in an online answer: %s", rr)
		}
	}
	// Every name a wildcard answered on the way: no closer name exists.
	for _, n := range chain {
		z := served.Zone(n)
		if z == nil || z.Denial() == nil {
			continue
		}
		if w := z.Wildcard(n); w != "" {
			if err := proveNoCloser(z, n, parentName(w), a.Ns); err != nil {
				return fmt.Errorf("wildcard %s for %s: %v", w, n, err)
			}
		}
	}
	z := served.Zone(last)
	if z == nil || z.Denial() == nil {
		return nil
	}
	if err := checkDenialRecords(z, a.Ns); err != nil {
		return err
	}
	switch a.Result {
	case NameError:
		return proveNameError(z, last, a.Ns)
	case NoData:
		return proveNoData(z, last, qtype, a.Ns)
	case Delegation:
		return proveReferral(z, a.Ns)
	}
	return nil
}

// chainNames returns the names a chain in answer went through from qname,
// and the last. A CNAME query follows none.
func chainNames(qname string, qtype uint16, answer []dns.RR) ([]string, string) {
	names := []string{qname}
	last := qname
	if qtype == dns.TypeCNAME {
		return names, last
	}
	for _, rr := range answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, last) {
			last = strings.ToLower(c.Target)
			names = append(names, last)
		}
	}
	return names, last
}

// checkDenialRecords: the NSEC or NSEC3 records are of z's kind only, class
// IN, with the negative TTL (RFC 9077).
func checkDenialRecords(z *Zone, ns []dns.RR) error {
	ttl := min(z.SOA().Hdr.Ttl, z.SOA().Minttl)
	for _, rr := range ns {
		t := rr.Header().Rrtype
		if t != dns.TypeNSEC && t != dns.TypeNSEC3 || !dns.IsSubDomain(z.Origin(), rr.Header().Name) {
			continue
		}
		if (t == dns.TypeNSEC3) != (z.Denial().NSEC3 != nil) {
			return fmt.Errorf("%s in a zone whose mode is the other", rr)
		}
		if rr.Header().Ttl != ttl || rr.Header().Class != dns.ClassINET {
			return fmt.Errorf("%s: TTL or class, want %d IN", rr, ttl)
		}
	}
	return nil
}

func nsecs(ns []dns.RR) []*dns.NSEC {
	var out []*dns.NSEC
	for _, rr := range ns {
		if n, ok := rr.(*dns.NSEC); ok {
			out = append(out, n)
		}
	}
	return out
}

func nsec3s(ns []dns.RR) []*dns.NSEC3 {
	var out []*dns.NSEC3
	for _, rr := range ns {
		if n, ok := rr.(*dns.NSEC3); ok {
			out = append(out, n)
		}
	}
	return out
}

// nsecCovers: owner < name < next in canonical order, or after the owner of
// the last NSEC, whose next is the apex; and not from a delegation above
// name (RFC 4035 5.4: such an NSEC is the parent's, it says nothing below).
func nsecCovers(n *dns.NSEC, name string) bool {
	if has(n.TypeBitMap, dns.TypeNS) && !has(n.TypeBitMap, dns.TypeSOA) && dns.IsSubDomain(n.Hdr.Name, name) {
		return false
	}
	o, next := n.Hdr.Name, n.NextDomain
	if refCompare(o, next) < 0 {
		return refCompare(o, name) < 0 && refCompare(name, next) < 0
	}
	return refCompare(o, name) < 0 || refCompare(name, next) < 0
}

func has(types []uint16, t uint16) bool { return slices.Contains(types, t) }

// denies reports whether a bitmap proves that qtype is not at its name (nor
// a CNAME); at a delegation only DS may be denied.
func denies(types []uint16, qtype uint16) bool {
	if has(types, qtype) || has(types, dns.TypeCNAME) {
		return false
	}
	return qtype == dns.TypeDS || !has(types, dns.TypeNS) || has(types, dns.TypeSOA)
}

// lastLabels returns the last n labels of name.
func lastLabels(name string, n int) string {
	idx := dns.Split(name)
	if n == 0 {
		return "."
	}
	return name[idx[len(idx)-n]:]
}

// closerOf returns the name below ce on the way to name, one label longer.
func closerOf(name, ce string) string { return lastLabels(name, dns.CountLabel(ce)+1) }

// nsecEncloser returns the closest encloser of name that the covering NSEC n
// shows (RFC 4035 5.4): the longest ancestor name shares with n's owner or next.
func nsecEncloser(n *dns.NSEC, name string) string {
	k := max(dns.CompareDomainName(name, n.Hdr.Name), dns.CompareDomainName(name, n.NextDomain))
	return lastLabels(name, k)
}

// nsec3Encloser returns the closest provable encloser of name (RFC 5155
// 8.3): its longest ancestor with a matching NSEC3 that is neither a
// delegation nor a DNAME.
func nsec3Encloser(rrs []*dns.NSEC3, name, origin string) (string, error) {
	for n := parentName(name); dns.IsSubDomain(origin, n); n = parentName(n) {
		if m := match3(rrs, n); m != nil {
			if has(m.TypeBitMap, dns.TypeDNAME) || has(m.TypeBitMap, dns.TypeNS) && !has(m.TypeBitMap, dns.TypeSOA) {
				return "", fmt.Errorf("closest encloser %s is a delegation or DNAME", n)
			}
			return n, nil
		}
		if n == origin {
			break
		}
	}
	return "", fmt.Errorf("no closest encloser of %s", name)
}

func match3(rrs []*dns.NSEC3, name string) *dns.NSEC3 {
	for _, r := range rrs {
		if r.Match(name) {
			return r
		}
	}
	return nil
}

func covered3(rrs []*dns.NSEC3, name string) bool {
	for _, r := range rrs {
		if r.Cover(name) && !r.Match(name) {
			return true
		}
	}
	return false
}

func proveNameError(z *Zone, name string, ns []dns.RR) error {
	if z.Denial().NSEC3 != nil {
		rrs := nsec3s(ns)
		if match3(rrs, name) != nil {
			return fmt.Errorf("NXDOMAIN, but an NSEC3 matches %s", name)
		}
		ce, err := nsec3Encloser(rrs, name, z.Origin())
		if err != nil {
			return err
		}
		if !covered3(rrs, closerOf(name, ce)) || !covered3(rrs, wildcardName(ce)) {
			return fmt.Errorf("next closer %s or wildcard *.%s not covered", closerOf(name, ce), ce)
		}
		return nil
	}
	for _, n := range nsecs(ns) {
		if !nsecCovers(n, name) {
			continue
		}
		wild := wildcardName(nsecEncloser(n, name))
		for _, w := range nsecs(ns) {
			if nsecCovers(w, wild) {
				return nil
			}
		}
		return fmt.Errorf("no NSEC covers %s", wild)
	}
	return fmt.Errorf("no NSEC covers %s", name)
}

func proveNoData(z *Zone, name string, qtype uint16, ns []dns.RR) error {
	if z.Denial().NSEC3 != nil {
		rrs := nsec3s(ns)
		if m := match3(rrs, name); m != nil {
			if !denies(m.TypeBitMap, qtype) {
				return fmt.Errorf("the NSEC3 matching %s lists %s", name, dns.TypeToString[qtype])
			}
			return nil
		}
		ce, err := nsec3Encloser(rrs, name, z.Origin()) // RFC 5155 8.7: wildcard NODATA
		if err != nil {
			return err
		}
		w := match3(rrs, wildcardName(ce))
		if !covered3(rrs, closerOf(name, ce)) || w == nil || !denies(w.TypeBitMap, qtype) {
			return fmt.Errorf("no wildcard NODATA proof at %s", ce)
		}
		return nil
	}
	for _, n := range nsecs(ns) {
		switch {
		case strings.EqualFold(n.Hdr.Name, name):
			if denies(n.TypeBitMap, qtype) {
				return nil
			}
			return fmt.Errorf("the NSEC at %s lists %s", name, dns.TypeToString[qtype])
		case nsecCovers(n, name) && dns.IsSubDomain(name, n.NextDomain):
			return nil // an empty non-terminal (RFC 4035 3.1.3.2)
		case nsecCovers(n, name):
			wild := wildcardName(nsecEncloser(n, name))
			for _, w := range nsecs(ns) {
				if strings.EqualFold(w.Hdr.Name, wild) && denies(w.TypeBitMap, qtype) ||
					nsecCovers(w, wild) && dns.IsSubDomain(wild, w.NextDomain) {
					return nil // RFC 4035 3.1.3.4, or an empty non-terminal wildcard
				}
			}
		}
	}
	return fmt.Errorf("no NODATA proof for %s", name)
}

func proveNoCloser(z *Zone, name, ce string, ns []dns.RR) error {
	if z.Denial().NSEC3 != nil {
		if !covered3(nsec3s(ns), closerOf(name, ce)) {
			return fmt.Errorf("next closer %s not covered", closerOf(name, ce))
		}
		return nil
	}
	for _, n := range nsecs(ns) {
		if nsecCovers(n, name) {
			return nil
		}
	}
	return fmt.Errorf("no NSEC covers %s", name)
}

// proveReferral: the DS, or the NSEC/NSEC3 at the cut showing NS and no DS
// (RFC 4035 5.2, RFC 5155 8.9).
func proveReferral(z *Zone, ns []dns.RR) error {
	cut := ""
	for _, rr := range ns {
		switch rr.Header().Rrtype {
		case dns.TypeDS:
			return nil
		case dns.TypeNS:
			cut = rr.Header().Name
		}
	}
	var types []uint16
	if z.Denial().NSEC3 != nil {
		if m := match3(nsec3s(ns), cut); m != nil {
			types = m.TypeBitMap
		}
	} else {
		for _, n := range nsecs(ns) {
			if strings.EqualFold(n.Hdr.Name, cut) {
				types = n.TypeBitMap
			}
		}
	}
	if !has(types, dns.TypeNS) || has(types, dns.TypeDS) || has(types, dns.TypeSOA) {
		return fmt.Errorf("no proof that the cut %s has no DS: %v", cut, types)
	}
	return nil
}

// proofSkipped tells the answers the engine alone cannot prove: the plugins
// or the signer above answer them (types a private type at the name makes,
// the signer's apex types, RRSIG queries).
func proofSkipped(served servedZones, qname string, qtype uint16, a Answer) bool {
	if qtype == dns.TypeRRSIG {
		return true
	}
	_, last := chainNames(qname, qtype, a.Answer)
	z := served.Zone(last)
	if z == nil || z.Denial() == nil {
		return false
	}
	if last == z.Origin() && slices.Contains(z.Denial().ApexTypes, qtype) {
		return true
	}
	for _, rr := range z.Owner(last) {
		if rrtypes.IsSpecial(rr.Header().Rrtype) {
			return true
		}
	}
	return false
}

var (
	testParam3 = &dns.NSEC3PARAM{Hash: dns.SHA1, Flags: 1, Iterations: 2, SaltLength: 2, Salt: "ab12"}
	apexTypes  = []uint16{dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY}
)

// TestProofCheckRejects: the proof check fails answers that prove too
// little: a record left out, a bitmap listing the type, a record for
// another name.
func TestProofCheckRejects(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		served := denialServed(t, nsec3)
		for _, c := range []struct {
			name, qname string
			qtype       uint16
			spoil       func(ns []dns.RR) []dns.RR
		}{
			{"NXDOMAIN without the wildcard's denial", "nx", dns.TypeA, func(ns []dns.RR) []dns.RR { return ns[:len(ns)-1] }},
			{"NXDOMAIN without qname's denial", "nx", dns.TypeA, func(ns []dns.RR) []dns.RR { return append(ns[:1:1], ns[2:]...) }},
			{"NODATA whose bitmap lists the type", "www", dns.TypeA, func(ns []dns.RR) []dns.RR { return ns }},
			{"NODATA with another name's record", "www", dns.TypeMX, func(ns []dns.RR) []dns.RR {
				ns = slices.Clone(ns)
				ns[1] = dns.Copy(ns[1])
				ns[1].Header().Name = "mail.example.org."
				if nsec3 {
					ns[1] = mustRRs([]string{m3("mail", "A RRSIG")})[0]
				}
				return ns
			}},
			{"wildcard NODATA without the wildcard's record", "nn.w", dns.TypeMX, func(ns []dns.RR) []dns.RR { return ns[:len(ns)-1] }},
			{"insecure referral without its proof", "host.insec", dns.TypeA, func(ns []dns.RR) []dns.RR { return ns[:1] }},
			{"a wildcard answer without its proof", "foo.w", dns.TypeA, func(ns []dns.RR) []dns.RR { return ns[:1] }},
		} {
			q := Query{Name: abs(c.qname), Type: c.qtype, DO: true}
			a := served[0].Lookup(context.Background(), q, served)
			qtype := c.qtype
			if c.name == "NODATA whose bitmap lists the type" {
				a = served[0].Lookup(context.Background(), Query{Name: q.Name, Type: dns.TypeMX, DO: true}, served)
				a.Result = NoData // asked for A, which the bitmap lists
			}
			a.Ns = c.spoil(a.Ns)
			if err := checkProof(served, q.Name, qtype, a); err == nil {
				t.Errorf("NSEC3=%v %s: the proof check passed %s", nsec3, c.name, show(a))
			}
		}
	}
}
