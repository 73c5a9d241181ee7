package dynamic

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
	"github.com/miekg/dns"
)

// offender is one key over a threshold, with the rule's match and the reason it says.
type offender struct {
	key    string
	match  rules.Match
	reason string
}

// offenders asks the inspector for every key over t. N is the capacity: a key that is not in
// the summaries cannot be over any threshold worth a rule.
func offenders(t Threshold, insp *inspect.Inspector) ([]offender, error) {
	switch t.Trigger {
	case QueryRate:
		if t.Per == rules.PerSubnet {
			v4, err := overRate(t, insp, inspect.Clients24, "/s")
			if err != nil {
				return nil, err
			}
			v6, err := overRate(t, insp, inspect.Clients56, "/s")
			return append(v4, v6...), err
		}
		return overRate(t, insp, inspect.Clients, "/s")
	case RcodeRate:
		if t.Rcode == dns.RcodeServerFailure {
			return overRate(t, insp, inspect.ClientServfail, "/s")
		}
		return overRate(t, insp, inspect.ClientNXDomain, "/s")
	case ResponseBytes:
		return overRate(t, insp, inspect.ClientBytes, "B/s")
	case NXDomainRatio:
		return overRatio(t, insp)
	}
	return nil, fmt.Errorf("%w: unknown trigger %q", ErrInvalid, t.Trigger)
}

// overRate lists the clients or subnets whose guaranteed count over the window, per second,
// is above t.Rate. The window the inspector answers for can be longer than t.Window (it is
// whole buckets); dividing by the longer one keeps the rate a lower bound.
func overRate(t Threshold, insp *inspect.Inspector, d inspect.Dimension, unit string) ([]offender, error) {
	top, err := insp.Top(inspect.Query{Dimension: d, N: insp.Config().Capacity, Window: t.Window})
	if err != nil {
		return nil, err
	}
	secs := top.Window.Seconds()
	var out []offender
	for _, e := range top.Entries {
		rate := float64(e.Count-e.Error) / secs
		if rate <= t.Rate {
			continue // entries are by Count, not by Count-Error: keep looking
		}
		cidr, ok := clientCIDR(e.Key)
		if !ok {
			continue
		}
		out = append(out, offender{key: e.Key, match: rules.Match{CIDR: cidr}, reason: rateReason(t, rate, top.Window, unit)})
	}
	return out, nil
}

// overRatio lists the suffixes whose guaranteed NXDOMAIN count is above t.Ratio of the most
// queries they can have had, once they surely had t.MinQueries.
func overRatio(t Threshold, insp *inspect.Inspector) ([]offender, error) {
	q := inspect.Query{Dimension: inspect.NXDomainNames, N: insp.Config().Capacity, Labels: t.Labels, Window: t.Window}
	nx, err := insp.Top(q)
	if err != nil {
		return nil, err
	}
	q.Dimension = inspect.Names
	all, err := insp.Top(q)
	if err != nil {
		return nil, err
	}
	queries := make(map[string]inspect.Entry, len(all.Entries))
	for _, e := range all.Entries {
		queries[e.Key] = e
	}
	var out []offender
	for _, e := range nx.Entries {
		total, ok := queries[e.Key]
		if !ok || total.Count-total.Error < t.MinQueries || total.Count == 0 {
			continue
		}
		ratio := float64(e.Count-e.Error) / float64(total.Count)
		if ratio <= t.Ratio {
			continue
		}
		reason := fmt.Sprintf("%s %s of %d queries over %s > %s", t.Trigger, number(ratio), total.Count-total.Error, nx.Window, number(t.Ratio))
		out = append(out, offender{key: e.Key, match: rules.Match{Suffix: e.Key}, reason: reason})
	}
	return out, nil
}

// clientCIDR is the CIDR of an inspector client key: an address becomes its /32 or /128, a
// subnet stays as it is.
func clientCIDR(key string) (string, bool) {
	if p, err := netip.ParsePrefix(key); err == nil {
		return p.Masked().String(), true
	}
	a, err := netip.ParseAddr(key)
	if err != nil {
		return "", false
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), true
}

// rateReason says why: "query_rate 1520/s over 10s > 1000/s", "rcode_rate nxdomain 120/s ...".
func rateReason(t Threshold, rate float64, window time.Duration, unit string) string {
	what := t.Trigger
	if t.Trigger == RcodeRate {
		what += " " + rcodeWord(t.Rcode)
	}
	return fmt.Sprintf("%s %s%s over %s > %s%s", what, number(rate), unit, window, number(t.Rate), unit)
}

func rcodeWord(rcode int) string {
	if rcode == dns.RcodeServerFailure {
		return "servfail"
	}
	return "nxdomain"
}

// number prints a measure to two decimals at most: 1520, 3.33, 0.5.
func number(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
