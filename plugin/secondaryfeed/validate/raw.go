package validate

import (
	"cmp"
	"strings"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"

	"github.com/miekg/dns"
)

// Rules of Raw besides RuleLoop, all warnings: the zone is fed, but not as its author may
// think.
const (
	RuleSpecialConflict = "special-conflict" // ALIAS, POOL and URL at one name: one of them is fed
	RuleSpecialShadowed = "special-shadowed" // ALIAS/URL beside A/AAAA, or any of them beside a CNAME
	RuleAliasMultiple   = "alias-multiple"   // more than one ALIAS at a name: the chain uses one
)

// Raw checks the records of origin before flattening (flatten.Zone runs it): Loops, and
// names where ALIAS, POOL or URL records meet other records that take precedence over
// them. The precedence is plugin.cfg's, the one flatten follows: a CNAME over everything,
// the name's own A/AAAA over a converted A/AAAA, URL over POOL over ALIAS.
func Raw(origin string, rrs []dns.RR) []report.Problem {
	ps := Loops(origin, rrs)
	z := index(rrs)
	for _, n := range z.order {
		ps = append(ps, special(z.names[n])...)
	}
	report.Sort(ps)
	return ps
}

// special checks one name's special records against each other and its other records.
func special(nm *node) []report.Problem {
	var ps []report.Problem
	add := func(t uint16, rule, detail string) {
		ps = append(ps, report.Problem{Name: shown(nm.written), Type: typeString(t), Rule: rule, Severity: report.Warning, Detail: detail})
	}
	if len(nm.sets[rrtypes.TypeALIAS]) > 1 {
		add(rrtypes.TypeALIAS, RuleAliasMultiple, "more than one ALIAS record: the chain answers with one of them")
	}
	var held []string // in order of precedence
	fed := uint16(0)
	for _, t := range []uint16{rrtypes.TypeURL, rrtypes.TypePOOL, rrtypes.TypeALIAS} {
		if len(nm.sets[t]) > 0 {
			held = append(held, typeString(t))
			fed = cmp.Or(fed, t)
		}
	}
	switch {
	case len(held) == 0:
		return nil
	case len(nm.sets[dns.TypeCNAME]) > 0:
		add(dns.TypeCNAME, RuleSpecialShadowed, strings.Join(held, " and ")+" beside a CNAME: the CNAME is fed, they are not")
		return ps
	case len(held) > 1:
		add(fed, RuleSpecialConflict, strings.Join(held, ", ")+" at one name: only the "+held[0]+" is fed")
	}
	if fed != rrtypes.TypePOOL {
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			if len(nm.sets[t]) > 0 {
				add(t, RuleSpecialShadowed, "the name's own "+typeString(t)+" records are fed, not the addresses its "+held[0]+" stands for")
			}
		}
	}
	return ps
}
