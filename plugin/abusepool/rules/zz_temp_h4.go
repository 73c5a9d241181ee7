// TEMPORARY(H4): deleted at merge, replaced by H1's real implementation.
// Only the signatures and documented behaviour of ABUSEPOOL.md's rules section, done simply
// (linear Match), so state, api and cli compile and test before H1's package arrives.

package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid rule")

var validID = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Validate checks r and canonicalises its Match.
func (r *Rule) Validate(poolExists func(string) bool) error {
	if !validID.MatchString(r.ID) {
		return invalid("id %q: want 1-64 of [a-z0-9._-]", r.ID)
	}
	if r.Match == (Match{}) {
		return invalid("match: at least one of suffix, cidr, qtype")
	}
	if r.Match.Suffix != "" {
		if _, ok := dns.IsDomainName(r.Match.Suffix); !ok {
			return invalid("suffix %q is not a domain name", r.Match.Suffix)
		}
		r.Match.Suffix = strings.ToLower(dns.Fqdn(r.Match.Suffix))
	}
	if r.Match.CIDR != "" {
		p, err := netip.ParsePrefix(r.Match.CIDR)
		if err != nil {
			a, aerr := netip.ParseAddr(r.Match.CIDR)
			if aerr != nil {
				return invalid("cidr %q: %v", r.Match.CIDR, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		r.Match.CIDR = p.Masked().String()
	}
	if r.Match.QType != "" {
		q := strings.ToUpper(r.Match.QType)
		if _, ok := dns.StringToType[q]; !ok {
			n, err := strconv.ParseUint(strings.TrimPrefix(q, "TYPE"), 10, 16)
			if !strings.HasPrefix(q, "TYPE") || err != nil || n == 0 {
				return invalid("qtype %q unknown", r.Match.QType)
			}
		}
		r.Match.QType = q
	}
	switch r.Action {
	case Drop, Refused, Truncate:
	case RateLimit:
		if r.Limit == nil || r.Limit.QPS <= 0 || r.Limit.Burst < 0 {
			return invalid("ratelimit needs a limit with qps > 0")
		}
		switch r.Limit.Per {
		case PerClient, PerSubnet, PerName:
		default:
			return invalid("limit per %q", r.Limit.Per)
		}
		switch r.Limit.Then {
		case Drop, Truncate, Refused:
		default:
			return invalid("limit then %q", r.Limit.Then)
		}
	case Pool:
		if poolExists == nil || !poolExists(r.Pool) {
			return invalid("pool %q does not exist", r.Pool)
		}
	default:
		return invalid("action %q", r.Action)
	}
	if (r.Limit != nil) != (r.Action == RateLimit) {
		return invalid("limit is set exactly for ratelimit")
	}
	if (r.Pool != "") != (r.Action == Pool) {
		return invalid("pool is set exactly for the pool action")
	}
	if len(r.Reason) > 256 {
		return invalid("reason longer than 256 bytes")
	}
	return nil
}

// ParseJSON decodes one rule strictly.
func ParseJSON(b []byte) (Rule, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var r Rule
	if err := d.Decode(&r); err != nil {
		return Rule{}, invalid("json: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return Rule{}, invalid("json: data after the rule")
	}
	return r, nil
}

// ParseCorefile parses `ID [suffix NAME] [cidr PREFIX] [qtype TYPE] ACTION [ARGS] [for DURATION]`.
func ParseCorefile(args []string, now time.Time) (Rule, error) {
	if len(args) == 0 {
		return Rule{}, invalid("rule needs an id")
	}
	r := Rule{ID: args[0], Origin: FromCorefile, Created: now}
	rest := args[1:]
	for len(rest) >= 2 {
		switch rest[0] {
		case "suffix":
			r.Match.Suffix = rest[1]
		case "cidr":
			r.Match.CIDR = rest[1]
		case "qtype":
			r.Match.QType = rest[1]
		default:
			goto action
		}
		rest = rest[2:]
	}
action:
	var err error
	r.Action, r.Limit, r.Pool, rest, err = ParseAction(rest)
	if err != nil {
		return Rule{}, err
	}
	if len(rest) == 2 && rest[0] == "for" {
		d, err := time.ParseDuration(rest[1])
		if err != nil || d <= 0 {
			return Rule{}, invalid("for %q", rest[1])
		}
		r.Expires = now.Add(d)
		rest = nil
	}
	if len(rest) > 0 {
		return Rule{}, invalid("unexpected %q", rest[0])
	}
	return r, nil
}

// ParseAction parses an action and its arguments.
func ParseAction(args []string) (Action, *Limit, string, []string, error) {
	if len(args) == 0 {
		return "", nil, "", nil, invalid("missing action")
	}
	switch a := Action(args[0]); a {
	case Drop, Refused, Truncate:
		return a, nil, "", args[1:], nil
	case Pool:
		if len(args) < 2 {
			return "", nil, "", nil, invalid("pool needs a name")
		}
		return a, nil, args[1], args[2:], nil
	case RateLimit:
		if len(args) < 5 {
			return "", nil, "", nil, invalid("ratelimit QPS BURST client|subnet|name drop|truncate|refused")
		}
		qps, err := strconv.ParseFloat(args[1], 64)
		if err != nil {
			return "", nil, "", nil, invalid("qps %q", args[1])
		}
		burst, err := strconv.Atoi(args[2])
		if err != nil {
			return "", nil, "", nil, invalid("burst %q", args[2])
		}
		l := &Limit{QPS: qps, Burst: burst, Per: Key(args[3]), Then: Action(args[4])}
		return a, l, "", args[5:], nil
	default:
		return "", nil, "", nil, invalid("unknown action %q", args[0])
	}
}

// Query is what Match looks at.
type Query struct {
	Name  string
	Addr  netip.Addr
	QType uint16
}

// Set is an immutable rule list (linear here).
type Set struct{ rules []Rule }

// NewSet builds a Set; order is precedence.
func NewSet(rs []Rule) *Set { return &Set{rules: append([]Rule(nil), rs...)} }

// Match returns the first rule that matches q, nil when none.
func (s *Set) Match(q Query) *Rule {
	for i := range s.rules {
		r := &s.rules[i]
		m := r.Match
		if m.Suffix != "" && !dns.IsSubDomain(m.Suffix, q.Name) {
			continue
		}
		if m.CIDR != "" {
			p, err := netip.ParsePrefix(m.CIDR)
			if err != nil || !p.Contains(q.Addr) {
				continue
			}
		}
		if m.QType != "" {
			t, ok := dns.StringToType[m.QType]
			if !ok {
				n, _ := strconv.ParseUint(strings.TrimPrefix(m.QType, "TYPE"), 10, 16)
				t = uint16(n)
			}
			if t != q.QType {
				continue
			}
		}
		return r
	}
	return nil
}

// Len is the number of rules.
func (s *Set) Len() int { return len(s.rules) }
