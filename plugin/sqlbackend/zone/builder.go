package zone

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Builder makes a Zone out of records added one by one.
type Builder struct {
	origin  string
	okey    string
	index   map[string]int // owner key -> its place in owners; made once owners outgrow scanLimit
	owners  []owner
	soa     dns.RR
	records int
	done    bool
}

// NewBuilder returns a Builder for the zone origin.
func NewBuilder(origin string) *Builder {
	o, err := canonicalName(origin)
	if err != nil {
		o = strings.ToLower(dns.Fqdn(origin)) // Add then reports the bad name
	}
	k, _ := nameKey(o)
	return &Builder{origin: o, okey: k}
}

// scanLimit is how many owners a Builder finds by scanning them before it
// makes a map of them: most zones have a handful of names, and a map for
// each of 100,000 zones costs more time at start-up than the scans.
const scanLimit = 16

// find returns the place in b.owners of the owner with key rel.
func (b *Builder) find(rel string) (int, bool) {
	if b.index != nil {
		i, ok := b.index[rel]
		return i, ok
	}
	for i := range b.owners {
		if b.owners[i].key == rel {
			return i, true
		}
	}
	return 0, false
}

// appendOwner adds the owner with key rel and returns its place.
func (b *Builder) appendOwner(rel string) int {
	b.owners = append(b.owners, owner{key: rel})
	i := len(b.owners) - 1
	switch {
	case b.index != nil:
		b.index[rel] = i
	case len(b.owners) > scanLimit:
		b.index = make(map[string]int, 2*len(b.owners))
		for j, o := range b.owners {
			b.index[o.key] = j
		}
	}
	return i
}

// Add puts rr in the zone being built, lower-casing its owner name in place,
// and returns the record the zone holds for it: rr itself, or a record added
// before that equals it but for the TTL (dns.IsDuplicate), in which case rr is
// dropped (an RRset is a set, RFC 2181 5). Errors, nothing added: owner
// outside the origin; an SOA not at the apex; a second SOA.
//
// Like the file plugin, Add also writes the escapes of the owner name as a
// query's name comes unpacked (\046 becomes \.), and lower-cases the names in
// NS, SOA, CNAME, MX, SVCB and HTTPS data: answers then carry what file's do.
func (b *Builder) Add(rr dns.RR) (held dns.RR, err error) {
	if b.done {
		return nil, errors.New("zone: Add after Zone")
	}
	name, rel, err := place(b.origin, b.okey, rr)
	if err != nil {
		return nil, err
	}
	i, ok := b.find(rel)
	if ok {
		if dup := findDuplicate(b.owners[i].rrs, rr); dup != nil {
			return dup, nil
		}
		name = b.owners[i].name() // share one string per owner name
	}
	if rr.Header().Rrtype == dns.TypeSOA {
		if b.soa != nil {
			return nil, fmt.Errorf("zone %s: a second SOA: %s", b.origin, rr)
		}
		b.soa = rr
	}
	normalize(rr, name)
	if !ok {
		i = b.appendOwner(rel)
	}
	b.owners[i].rrs = append(b.owners[i].rrs, rr)
	b.records++
	return rr, nil
}

// Zone returns the built zone; an error if it has no SOA. The Builder is done
// after it.
func (b *Builder) Zone() (*Zone, error) {
	if b.done {
		return nil, errors.New("zone: Zone called twice")
	}
	b.done = true
	if b.soa == nil {
		return nil, fmt.Errorf("zone %s: no SOA", b.origin)
	}
	owners := b.owners
	b.owners, b.index = nil, nil
	slices.SortFunc(owners, func(a, b owner) int { return strings.Compare(a.key, b.key) })
	special := 0
	for _, o := range owners {
		sortRecords(o.rrs) // isSpecial reads runs
		if isSpecial(o) {
			special++
		}
	}
	// The owners, keys and records go in a few objects (packOwners) rather
	// than two per owner, for the collector to visit and the lookups to read.
	okey, set := packOwners(b.okey, owners)
	return newZone(b.origin, okey, set, b.records, special)
}

// newZone wraps a finished set of owners.
func newZone(origin, okey string, set owners, records, special int) (*Zone, error) {
	apex, _ := set.get("")
	soa := apex.run(dns.TypeSOA)
	if len(soa) != 1 {
		return nil, fmt.Errorf("zone %s: %d SOA records, want 1", origin, len(soa))
	}
	z := &Zone{origin: origin, okey: okey, set: set, apex: apex, records: records, special: special, gen: generations.Add(1)}
	z.neg = negativeSOA(origin, soa[0].(*dns.SOA))
	z.negSOA[0] = &z.neg
	return z, nil
}

// negativeSOA returns the SOA as NXDOMAIN and NODATA answers carry it: its TTL
// is the lesser of its own and its MINIMUM field (RFC 2308 3 and 5), which is
// how long a resolver may cache the negative answer. file sends the SOA's own
// TTL. The Zone holds it in its own struct, its owner is the origin's string
// (which the zone set's match has just read) and its two names share one
// string: a negative answer then reads one object the lookup did not already
// read, where the SOA's own record and names are three.
func negativeSOA(origin string, soa *dns.SOA) dns.SOA {
	c := *soa
	c.Hdr.Name = origin
	c.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	names := soa.Ns + soa.Mbox
	c.Ns, c.Mbox = names[:len(soa.Ns)], names[len(soa.Ns):]
	return c
}

// tidy sorts an owner's records and trims their slice to its length, so that
// answers made of it are clipped and no capacity is wasted.
func tidy(rrs []dns.RR) []dns.RR {
	sortRecords(rrs)
	if cap(rrs) == len(rrs) {
		return rrs
	}
	return append(make([]dns.RR, 0, len(rrs)), rrs...)
}

// isSpecial reports whether o makes lookups below it look at it: a zone cut
// (NS other than at the apex) or a DNAME.
func isSpecial(o owner) bool {
	return (o.key != "" && o.run(dns.TypeNS) != nil) || o.run(dns.TypeDNAME) != nil
}

// findDuplicate returns the record of rrs that equals rr but for the TTL.
// rrs may be unsorted (an owner being built or patched).
func findDuplicate(rrs []dns.RR, rr dns.RR) dns.RR {
	t := rr.Header().Rrtype
	for _, x := range rrs {
		if x.Header().Rrtype == t && dns.IsDuplicate(x, rr) {
			return x
		}
	}
	return nil
}

// place checks that rr belongs in the zone origin (key okey) and returns the
// canonical owner name and its key relative to the origin.
func place(origin, okey string, rr dns.RR) (name, rel string, err error) {
	name, err = canonicalName(rr.Header().Name)
	if err != nil {
		return "", "", fmt.Errorf("zone %s: %v: %s", origin, err, rr)
	}
	k, err := nameKey(name)
	if err != nil {
		return "", "", fmt.Errorf("zone %s: %v: %s", origin, err, rr)
	}
	if !strings.HasPrefix(k, okey) {
		return "", "", fmt.Errorf("zone %s: %s is outside the zone", origin, rr.Header().Name)
	}
	rel = k[len(okey):]
	if rr.Header().Rrtype == dns.TypeSOA && rel != "" {
		return "", "", fmt.Errorf("zone %s: an SOA not at the apex: %s", origin, rr)
	}
	return name, rel, nil
}

// canonicalName returns name fully qualified, lower-cased, with escapes
// written as miekg/dns unpacks them from the wire (which is how a query's
// name comes): \046 and \. are the same octet.
func canonicalName(name string) (string, error) {
	name = dns.Fqdn(name)
	if strings.IndexByte(name, '\\') >= 0 {
		buf := make([]byte, 256)
		off, err := dns.PackDomainName(name, buf, 0, nil, false)
		if err != nil {
			return "", err
		}
		if name, _, err = dns.UnpackDomainName(buf[:off], 0); err != nil {
			return "", err
		}
	}
	return strings.ToLower(name), nil
}

// normalize gives rr its canonical owner name and lower-cases the names in
// its data as file.Zone.Insert does, so answers are the same.
func normalize(rr dns.RR, name string) {
	rr.Header().Name = name
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = strings.ToLower(r.Ns)
	case *dns.SOA:
		r.Ns, r.Mbox = strings.ToLower(r.Ns), strings.ToLower(r.Mbox)
	case *dns.CNAME:
		r.Target = strings.ToLower(r.Target)
	case *dns.MX:
		r.Mx = strings.ToLower(r.Mx)
	case *dns.SVCB:
		r.Target = strings.ToLower(r.Target)
	case *dns.HTTPS:
		r.Target = strings.ToLower(r.Target)
	}
}
