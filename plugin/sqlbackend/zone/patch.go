package zone

import (
	"fmt"
	"slices"

	"github.com/miekg/dns"
)

// Patch returns a new version of z with del removed and add added. del are
// records z holds, matched by identity (the pointers Add/Patch returned as
// held); add are treated as Add treats them, held[i] being what the new zone
// holds for add[i]. z is not changed, the new version shares every untouched
// part with it, and the cost is O(owners touched x log n). Errors, no new
// zone: a del record not in z; an add outside the zone; the result without
// exactly one SOA. (On an error, add records may have had their names
// normalized, as Add does; nothing else.)
//
// The owners are copied on write (owners.with): z's are never written, so z
// stays read-only for concurrent readers and patchers.
func (z *Zone) Patch(del, add []dns.RR) (nz *Zone, held []dns.RR, err error) {
	p := patch{z: z, touched: map[string]*owner{}}
	for _, rr := range del {
		if err := p.delete(rr); err != nil {
			return nil, nil, err
		}
	}
	held = make([]dns.RR, len(add))
	added := 0
	for i, rr := range add {
		h, fresh, err := p.add(rr)
		if err != nil {
			return nil, nil, err
		}
		held[i] = h
		if fresh {
			added++
		}
	}
	if apex, ok := p.touched[""]; ok {
		if n := len(run(unsortedCopy(apex.rrs), dns.TypeSOA)); n != 1 {
			return nil, nil, fmt.Errorf("zone %s: the patch leaves %d SOA records, want 1", z.origin, n)
		}
	}
	set, special := p.apply()
	nz, err = newZone(z.origin, z.okey, set, z.records-len(del)+added, special)
	if err != nil {
		return nil, nil, err
	}
	if z.den != nil {
		nz.den = newDenial(nz, z.den.mode) // the SOA, and with it the negative TTL, may have changed
	}
	return nz, held, nil
}

// patch is one Patch under way: the owners it touched, with copies of their
// records to change.
type patch struct {
	z       *Zone
	touched map[string]*owner
}

// owner returns the touched owner rel, copying it from z the first time.
func (p *patch) owner(rel string) *owner {
	if o, ok := p.touched[rel]; ok {
		return o
	}
	o := &owner{key: rel}
	if old, ok := p.z.set.get(rel); ok {
		o.rrs = slices.Clone(old.rrs)
	}
	p.touched[rel] = o
	return o
}

func (p *patch) delete(rr dns.RR) error {
	rel, cmp, ok := p.z.relate(rr.Header().Name)
	if ok && cmp == 0 {
		o := p.owner(rel)
		// Identity: == on interfaces holding pointers compares the pointers.
		if i := slices.IndexFunc(o.rrs, func(x dns.RR) bool { return x == rr }); i >= 0 {
			o.rrs = slices.Delete(o.rrs, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("zone %s: record to delete not held: %s", p.z.origin, rr)
}

// add adds rr, or finds the record equal to it; fresh tells which.
func (p *patch) add(rr dns.RR) (held dns.RR, fresh bool, err error) {
	name, rel, err := place(p.z.origin, p.z.okey, rr)
	if err != nil {
		return nil, false, err
	}
	o := p.owner(rel)
	if dup := findDuplicate(o.rrs, rr); dup != nil {
		return dup, false, nil
	}
	if len(o.rrs) > 0 {
		name = o.rrs[0].Header().Name // share one string per owner name
	}
	normalize(rr, name)
	o.rrs = append(o.rrs, rr)
	return rr, true, nil
}

// apply makes the new set of owners, sharing all but the touched ones with
// z's. It returns the new count of special owners.
func (p *patch) apply() (owners, int) {
	special := p.z.special
	for rel, o := range p.touched {
		if old, ok := p.z.set.get(rel); ok && isSpecial(old) {
			special--
		}
		if len(o.rrs) > 0 {
			o.rrs = tidy(o.rrs)
			o.tags = tagsOf(o.rrs)
			if isSpecial(*o) {
				special++
			}
		}
	}
	return p.z.set.with(p.touched), special
}

func unsortedCopy(rrs []dns.RR) []dns.RR {
	s := slices.Clone(rrs)
	sortRecords(s)
	return s
}
