package sqlsecondary

import (
	"github.com/miekg/dns"
)

// pulled is what a transfer brought: the whole zone (AXFR, or an IXFR
// answered with the whole zone) or the differences since our serial.
type pulled struct {
	kind  string   // kindAXFR or kindIXFR
	soa   *dns.SOA // the zone's new SOA
	full  []dns.RR // kindAXFR: every record, the SOA once
	diffs []diff   // kindIXFR: in order
}

// diff is one difference sequence of an IXFR (RFC 1995): the old SOA and
// the records deleted, the new SOA and the records added.
type diff struct {
	del, add []dns.RR
}

const (
	kindAXFR = "axfr"
	kindIXFR = "ixfr"
	kindSOA  = "soa"
)

// parseAXFR checks an AXFR answer: SOA first and last with one serial,
// every record inside zone, at most max records.
func parseAXFR(zone string, rrs []dns.RR, max int) (*pulled, error) {
	if len(rrs) < 2 {
		return nil, errorf(reasonMalformed, "AXFR of %d records: want the SOA first and last", len(rrs))
	}
	first, ok1 := rrs[0].(*dns.SOA)
	last, ok2 := rrs[len(rrs)-1].(*dns.SOA)
	if !ok1 || !ok2 || first.Serial != last.Serial {
		return nil, errorf(reasonMalformed, "AXFR not framed by one SOA")
	}
	full := rrs[:len(rrs)-1]
	if len(full) > max {
		return nil, errorf(reasonTooLarge, "%d records, more than max_records %d", len(full), max)
	}
	if err := checkRecords(zone, full); err != nil {
		return nil, err
	}
	for _, rr := range full[1:] {
		if rr.Header().Rrtype == dns.TypeSOA {
			return nil, errorf(reasonMalformed, "a second SOA inside the AXFR")
		}
	}
	return &pulled{kind: kindAXFR, soa: first, full: full}, nil
}

// parseIXFR reads an IXFR answer to a request from serial have. An answer
// whose second record is not a SOA is the whole zone (parseAXFR); a single
// SOA means the zone is current.
func parseIXFR(zone string, rrs []dns.RR, have uint32, max int) (*pulled, error) {
	if len(rrs) == 0 {
		return nil, errorf(reasonMalformed, "empty IXFR answer")
	}
	head, ok := rrs[0].(*dns.SOA)
	if !ok {
		return nil, errorf(reasonMalformed, "IXFR answer does not start with the SOA")
	}
	if len(rrs) == 1 {
		return &pulled{kind: kindIXFR, soa: head}, nil
	}
	if _, ok := rrs[1].(*dns.SOA); !ok {
		return parseAXFR(zone, rrs, max)
	}
	if err := checkRecords(zone, rrs); err != nil {
		return nil, err
	}
	last, ok := rrs[len(rrs)-1].(*dns.SOA)
	if !ok || last.Serial != head.Serial {
		return nil, errorf(reasonMalformed, "IXFR does not end with the new SOA")
	}
	body := rrs[1 : len(rrs)-1]
	var diffs []diff
	serial := have
	for i := 0; i < len(body); {
		from, ok := body[i].(*dns.SOA)
		if !ok || from.Serial != serial {
			return nil, errorf(reasonIXFRMismatch, "IXFR difference does not start at serial %d", serial)
		}
		var d diff
		d.del, i = run(body, i)
		if i >= len(body) {
			return nil, errorf(reasonMalformed, "IXFR difference without its new SOA")
		}
		d.add, i = run(body, i)
		serial = d.add[0].(*dns.SOA).Serial
		diffs = append(diffs, d)
	}
	if serial != head.Serial || len(diffs) == 0 {
		return nil, errorf(reasonMalformed, "IXFR differences end at serial %d, not %d", serial, head.Serial)
	}
	return &pulled{kind: kindIXFR, soa: head, diffs: diffs}, nil
}

// run returns the SOA at body[i] and the records after it up to the next
// SOA, and the index of that SOA.
func run(body []dns.RR, i int) ([]dns.RR, int) {
	j := i + 1
	for j < len(body) && body[j].Header().Rrtype != dns.TypeSOA {
		j++
	}
	return body[i:j], j
}

// checkRecords refuses records outside zone and SOAs of another owner.
func checkRecords(zone string, rrs []dns.RR) error {
	for _, rr := range rrs {
		h := rr.Header()
		if !dns.IsSubDomain(zone, dns.CanonicalName(h.Name)) {
			return errorf(reasonOutOfZone, "record %s outside zone %s", h.Name, zone)
		}
		if h.Rrtype == dns.TypeSOA && dns.CanonicalName(h.Name) != zone {
			return errorf(reasonOutOfZone, "SOA of %s in the transfer of %s", h.Name, zone)
		}
		if h.Class != dns.ClassINET {
			return errorf(reasonMalformed, "record %s of class %s", h.Name, dns.ClassToString[h.Class])
		}
	}
	return nil
}

// newer reports whether serial a is after b in RFC 1982 arithmetic.
func newer(a, b uint32) bool {
	return a != b && int32(a-b) > 0
}
