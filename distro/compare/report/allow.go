package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/distro/compare/diff"
)

// AllowList accepts known differences, each with the reason it is acceptable. A file holds
// one rule a line:
//
//	# kind   name               type  reason
//	ttl      *                  *     PowerDNS's default-ttl is 3600, ours comes from the rows
//	flags    *.example.org      A     B adds EDNS to answers of clients without it
//	missing  legacy.example.org *     retired on purpose before the move
//
// kind is one of rcode, flags, truncation, missing, extra, data, ttl, order, or * for any;
// name is the query name, *.zone for the zone and every name below it, or * for any; type is
// the query type or *. The reason is required: a difference accepted without one is a
// difference nobody will remember.
type AllowList struct {
	rules []allowRule
}

type allowRule struct {
	kind   diff.Kind // "" for any
	name   string    // lower case, fully qualified; "" for any
	below  bool      // name was *.zone
	qtype  uint16    // 0 for any
	Reason string
	line   int
}

// ParseAllowList reads an allow-list file. An unknown kind or type, or a rule without a
// reason, is an error naming its line.
func ParseAllowList(r io.Reader) (*AllowList, error) {
	al := &AllowList{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		rule, err := parseAllowRule(line)
		if err != nil {
			return nil, fmt.Errorf("allow-list line %d: %w", n, err)
		}
		rule.line = n
		al.rules = append(al.rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("allow-list line %d: %w", n+1, err)
	}
	return al, nil
}

func parseAllowRule(line string) (allowRule, error) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return allowRule{}, fmt.Errorf("want `kind name type reason`, got %q", line)
	}
	var r allowRule
	if f[0] != "*" {
		r.kind = diff.Kind(strings.ToLower(f[0]))
		if !slices.Contains(diff.Kinds, r.kind) {
			return r, fmt.Errorf("unknown kind %q (%v or *)", f[0], diff.Kinds)
		}
	}
	switch name := strings.ToLower(f[1]); {
	case name == "*":
	case strings.HasPrefix(name, "*."):
		r.name, r.below = dns.Fqdn(name[2:]), true
	default:
		if _, ok := dns.IsDomainName(name); !ok {
			return r, fmt.Errorf("%q is not a name", f[1])
		}
		r.name = dns.Fqdn(name)
	}
	if f[2] != "*" {
		t, ok := dns.StringToType[strings.ToUpper(f[2])]
		if !ok {
			return r, fmt.Errorf("unknown type %q", f[2])
		}
		r.qtype = t
	}
	r.Reason = strings.Join(f[3:], " ")
	return r, nil
}

// Accept tells whether every difference of an answer to q is allowed, and by which reasons.
func (al *AllowList) Accept(q dns.Question, ds []diff.Difference) ([]string, bool) {
	if al == nil || len(ds) == 0 {
		return nil, false
	}
	var reasons []string
	for _, d := range ds {
		r, ok := al.match(q, d)
		if !ok {
			return nil, false
		}
		if !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	return reasons, true
}

func (al *AllowList) match(q dns.Question, d diff.Difference) (string, bool) {
	name := strings.ToLower(q.Name)
	for _, r := range al.rules {
		if r.kind != "" && r.kind != d.Kind {
			continue
		}
		if r.qtype != 0 && r.qtype != q.Qtype {
			continue
		}
		if r.name != "" && name != r.name && !(r.below && dns.IsSubDomain(r.name, name)) {
			continue
		}
		return r.Reason, true
	}
	return "", false
}
