// Package diff compares two answers to the same query the way an operator checking a
// migration cares about them: rcode, flags, truncation, and each section as a set of RRsets,
// with options to ignore what does not matter for a given pair of servers.
package diff

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Kind is the kind of a difference. Reports group by it.
type Kind string

const (
	Rcode      Kind = "rcode"      // the rcodes differ
	Flags      Kind = "flags"      // AA, RA, AD or the presence of EDNS differ
	Truncation Kind = "truncation" // one answer is truncated (TC), the other not
	Missing    Kind = "missing"    // an RRset of A is not in B
	Extra      Kind = "extra"      // an RRset of B is not in A
	Data       Kind = "data"       // an RRset is in both with different records
	TTL        Kind = "ttl"        // an RRset is in both with the same records and other TTLs
	Order      Kind = "order"      // the same records in another order
)

// Kinds lists every kind, in the order reports show them.
var Kinds = []Kind{Rcode, Flags, Truncation, Missing, Extra, Data, TTL, Order}

// Options says what to leave out of the comparison.
type Options struct {
	IgnoreTTL         bool // TTLs of records (and the SOA's minimum stays compared: it is data)
	IgnoreAuthorityNS bool // NS RRsets in the authority section of answers with records, and their glue
	IgnoreCase        bool // case of names inside rdata (owner names are always compared without case)
	IgnoreRRSIGTimes  bool // inception and expiration of RRSIGs, and so the signature itself
	IgnoreOrder       bool // the order of records within a section
}

// Difference is one way two answers differ.
type Difference struct {
	Kind Kind `json:"kind"`
	// Section is "answer", "authority" or "additional" for RRset kinds; empty otherwise.
	Section string `json:"section,omitempty"`
	// RRset is "owner TYPE" for RRset kinds; empty otherwise.
	RRset string `json:"rrset,omitempty"`
	// A and B show what each side had.
	A string `json:"a"`
	B string `json:"b"`
}

func (d Difference) String() string {
	where := ""
	if d.Section != "" {
		where = " " + d.Section + " " + d.RRset
	}
	return fmt.Sprintf("%s%s: A %s, B %s", d.Kind, where, d.A, d.B)
}

// Compare lists how b differs from a, nil when they are the same under o.
func Compare(a, b *dns.Msg, o Options) []Difference {
	var ds []Difference
	if a.Rcode != b.Rcode {
		ds = append(ds, Difference{Kind: Rcode, A: dns.RcodeToString[a.Rcode], B: dns.RcodeToString[b.Rcode]})
	}
	if a.Truncated != b.Truncated {
		ds = append(ds, Difference{Kind: Truncation, A: tc(a), B: tc(b)})
		// A truncated answer holds whatever fitted: its records say nothing.
		return ds
	}
	if fa, fb := flags(a), flags(b); fa != fb {
		ds = append(ds, Difference{Kind: Flags, A: fa, B: fb})
	}
	positive := a.Rcode == dns.RcodeSuccess && len(a.Answer) > 0
	ds = append(ds, compareSection("answer", a.Answer, b.Answer, o)...)
	authA, authB := a.Ns, b.Ns
	addA, addB := withoutOPT(a.Extra), withoutOPT(b.Extra)
	if o.IgnoreAuthorityNS && positive {
		authA, addA = dropAuthorityNS(authA, addA)
		authB, addB = dropAuthorityNS(authB, addB)
	}
	ds = append(ds, compareSection("authority", authA, authB, o)...)
	ds = append(ds, compareSection("additional", addA, addB, o)...)
	return ds
}

func tc(m *dns.Msg) string {
	if m.Truncated {
		return "TC"
	}
	return "not TC"
}

// flags writes the header flags an operator compares, and whether the answer has EDNS.
func flags(m *dns.Msg) string {
	var fs []string
	for _, f := range []struct {
		on   bool
		name string
	}{{m.Authoritative, "aa"}, {m.RecursionAvailable, "ra"}, {m.AuthenticatedData, "ad"}, {m.IsEdns0() != nil, "edns"}} {
		if f.on {
			fs = append(fs, f.name)
		}
	}
	if len(fs) == 0 {
		return "none"
	}
	return strings.Join(fs, " ")
}

func withoutOPT(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT {
			out = append(out, rr)
		}
	}
	return out
}

// dropAuthorityNS removes the NS RRsets from an authority section and, from the additional
// section, the addresses of the name servers they named: what a server may or may not add to
// a positive answer.
func dropAuthorityNS(auth, add []dns.RR) ([]dns.RR, []dns.RR) {
	glue := map[string]bool{}
	var keep []dns.RR
	for _, rr := range auth {
		if ns, ok := rr.(*dns.NS); ok {
			glue[strings.ToLower(ns.Ns)] = true
			continue
		}
		keep = append(keep, rr)
	}
	var keepAdd []dns.RR
	for _, rr := range add {
		t := rr.Header().Rrtype
		if (t == dns.TypeA || t == dns.TypeAAAA) && glue[strings.ToLower(rr.Header().Name)] {
			continue
		}
		keepAdd = append(keepAdd, rr)
	}
	return keep, keepAdd
}

// TruncatedOverUDP is the difference of two answers over UDP of which one had TC and the
// other not, when the answers compared are those asked again over TCP.
func TruncatedOverUDP(a, b bool) Difference {
	tc := map[bool]string{true: "TC over UDP", false: "not TC over UDP"}
	return Difference{Kind: Truncation, A: tc[a], B: tc[b]}
}
