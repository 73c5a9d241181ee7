package rules

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// ErrInvalid is wrapped by every validation and parse error, so callers (the API) can tell
// bad input (400) from everything else with errors.Is.
var ErrInvalid = errors.New("invalid rule")

// Limits on what a rule may hold: they keep hostile input from making huge rules.
const (
	maxIDLen     = 64
	maxReasonLen = 256
	maxQPS       = 1e9
	maxBurst     = 1 << 30
)

// maxQuoted is how much of a bad value an error repeats: enough to recognise it, never a
// hostile megabyte.
const maxQuoted = 64

// invalid returns an error wrapping ErrInvalid that names the field and the value.
func invalid(field, value, why string) error {
	if len(value) > maxQuoted {
		value = value[:maxQuoted] + "..."
	}
	return fmt.Errorf("%w: %s %q: %s", ErrInvalid, field, value, why)
}

// Validate checks r and canonicalises its Match (lower-case fully qualified suffix, masked
// CIDR, upper-case type), so equal rules compare equal and the Set can index them.
// poolExists, when not nil, must know the rule's pool. On error r is unchanged.
func (r *Rule) Validate(poolExists func(string) bool) error {
	if err := validateID("id", r.ID); err != nil {
		return err
	}
	m, err := canonicalMatch(r.Match)
	if err != nil {
		return err
	}
	if err := validateAction(r, poolExists); err != nil {
		return err
	}
	switch r.Origin {
	case "", FromCorefile, FromAPI, FromDynamic: // empty: the state assigns one
	default:
		return invalid("origin", string(r.Origin), "want corefile, api or dynamic")
	}
	if len(r.Reason) > maxReasonLen {
		return invalid("reason", r.Reason, fmt.Sprintf("longer than %d bytes", maxReasonLen))
	}
	if !utf8.ValidString(r.Reason) {
		return invalid("reason", r.Reason, "not valid UTF-8")
	}
	r.Match = m
	return nil
}

// validateID checks an ID or pool name: 1-64 of [a-z0-9._-].
func validateID(field, id string) error {
	if id == "" {
		return invalid(field, id, "empty")
	}
	if len(id) > maxIDLen {
		return invalid(field, id, fmt.Sprintf("longer than %d characters", maxIDLen))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return invalid(field, id, fmt.Sprintf("character %q not in [a-z0-9._-]", c))
		}
	}
	return nil
}

// canonicalMatch returns m in canonical form, or an error naming the bad field.
func canonicalMatch(m Match) (Match, error) {
	if m.Suffix == "" && m.CIDR == "" && m.QType == "" {
		return m, invalid("match", "", "needs at least one of suffix, cidr, qtype")
	}
	var err error
	if m.Suffix != "" {
		if m.Suffix, err = CanonicalSuffix(m.Suffix); err != nil {
			return m, err
		}
	}
	if m.CIDR != "" {
		p, err := ParsePrefix(m.CIDR)
		if err != nil {
			return m, err
		}
		m.CIDR = p.String()
	}
	if m.QType != "" {
		t, err := ParseQType(m.QType)
		if err != nil {
			return m, err
		}
		m.QType = typeString(t)
	}
	return m, nil
}

// CanonicalSuffix returns s lower-case and fully qualified, or an error when it is not a
// domain name.
func CanonicalSuffix(s string) (string, error) {
	if _, ok := dns.IsDomainName(s); !ok || strings.Contains(s, "..") || strings.HasPrefix(s, ".") && s != "." {
		return "", invalid("suffix", s, "not a domain name")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '\\' {
			return "", invalid("suffix", s, "only printable ASCII without escapes (IDNs in punycode)")
		}
	}
	return strings.ToLower(dns.Fqdn(s)), nil
}

// ParsePrefix parses a CIDR or a bare address (a /32 or /128) into its masked form; an
// IPv4-mapped IPv6 prefix becomes the IPv4 prefix, as clients' addresses are unmapped.
func ParsePrefix(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, invalid("cidr", s, "not a prefix")
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return p, invalid("cidr", s, "not an address or prefix")
		}
		if a.Zone() != "" {
			return p, invalid("cidr", s, "zones are not supported")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// ParseQType parses a type mnemonic ("A", "any") or "TYPEnnn".
func ParseQType(s string) (uint16, error) {
	u := strings.ToUpper(s)
	if t, ok := dns.StringToType[u]; ok && t != dns.TypeNone {
		return t, nil
	}
	if n, ok := strings.CutPrefix(u, "TYPE"); ok {
		if t, err := strconv.ParseUint(n, 10, 16); err == nil && t > 0 && n[0] != '+' {
			return uint16(t), nil
		}
	}
	return 0, invalid("qtype", s, "not a query type (a mnemonic or TYPEnnn)")
}

// typeString is the canonical name of t: its mnemonic when miekg/dns knows one.
func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// validateAction checks the action and that Limit and Pool are set exactly when it needs them.
func validateAction(r *Rule, poolExists func(string) bool) error {
	switch r.Action {
	case Drop, Refused, Truncate:
	case RateLimit:
		if r.Limit == nil {
			return invalid("limit", "", "ratelimit needs a limit")
		}
		if err := validateLimit(r.Limit); err != nil {
			return err
		}
	case Pool:
		if err := validateID("pool", r.Pool); err != nil {
			return err
		}
		if poolExists != nil && !poolExists(r.Pool) {
			return invalid("pool", r.Pool, "no such pool")
		}
	default:
		return invalid("action", string(r.Action), "want drop, refused, truncate, ratelimit or pool")
	}
	if r.Limit != nil && r.Action != RateLimit {
		return invalid("limit", string(r.Action), "only a ratelimit rule has a limit")
	}
	if r.Pool != "" && r.Action != Pool {
		return invalid("pool", r.Pool, "only a pool rule names a pool")
	}
	return nil
}

func validateLimit(l *Limit) error {
	if math.IsNaN(l.QPS) || l.QPS <= 0 || l.QPS > maxQPS {
		return invalid("qps", strconv.FormatFloat(l.QPS, 'g', -1, 64), "want 0 < qps ≤ 1e9")
	}
	if l.Burst < 1 || l.Burst > maxBurst {
		return invalid("burst", strconv.Itoa(l.Burst), "want 1 ≤ burst ≤ 2^30")
	}
	switch l.Per {
	case PerClient, PerSubnet, PerName:
	default:
		return invalid("per", string(l.Per), "want client, subnet or name")
	}
	switch l.Then {
	case Drop, Truncate, Refused:
	default:
		return invalid("then", string(l.Then), "want drop, truncate or refused")
	}
	return nil
}
