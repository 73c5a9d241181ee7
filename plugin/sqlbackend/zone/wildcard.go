package zone

// Wildcard returns the owner of the wildcard ("*.closest.encloser.") whose
// records answer name, "" when name has records of its own, is an empty
// non-terminal, is not in the zone, is below a cut or a DNAME, or no
// wildcard matches it (RFC 4592 3.3.1). A signer signs what the wildcard
// answered over the wildcard's owner (RFC 4035 5.3.2: the Labels field).
func (z *Zone) Wildcard(name string) string {
	rel, cmp, ok := z.relate(name)
	if !ok || cmp != 0 {
		return ""
	}
	if _, ok := z.set.get(rel); ok || (z.special > 0 && z.occluded(rel)) {
		return ""
	}
	ce, ent := z.closestEncloser(rel)
	if ent {
		return ""
	}
	if w, ok := z.set.get(wildcardKey(ce)); ok {
		return w.name()
	}
	return ""
}

// occluded reports whether rel is below a cut or a DNAME: then a lookup
// answers it with a referral or a substitution (lookup.above), not from a
// wildcard.
func (z *Zone) occluded(rel string) bool {
	for i := 0; i < len(rel); i++ {
		if i > 0 && rel[i-1] != 0 {
			continue
		}
		if o, ok := z.set.get(rel[:i]); ok && isSpecial(o) {
			return true
		}
	}
	return false
}
