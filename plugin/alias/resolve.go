package alias

import (
	"context"
	"strings"

	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

type resultKind int

const (
	resultAnswer resultKind = iota
	resultNoData            // the target has no addresses of the type: answer NODATA
	resultFail              // nothing to answer with: SERVFAIL
)

type result struct {
	kind  resultKind
	addrs []dns.RR
	ttl   uint32
	err   error
}

// resolve finds the addresses of qtype the ALIAS record alias stands for. It follows
// ALIAS and CNAME records from name to name, through the chain below for names in the
// zones served here and through the upstreams for the rest, at most maxChain names, and
// stops at the first name seen twice: a loop is a NODATA, never a hang or a SERVFAIL. The
// TTL is the smallest of every record used, the ALIAS records included.
func (a *Alias) resolve(ctx context.Context, state request.Request, alias dns.RR, qtype uint16, server string) result {
	target, _ := rrtypes.AsALIAS(alias)
	name := target.Target
	ttl := alias.Header().Ttl
	seen := make([]string, 0, 4)

	for {
		if len(seen) >= a.maxChain || contains(seen, name) || name == "" {
			log.Debugf("ALIAS chain from %s stopped at %s: loop or longer than %d", alias.Header().Name, name, a.maxChain)
			return result{kind: resultNoData}
		}
		seen = append(seen, name)

		if a.served.Match(name) != "" {
			m := chainlookup.Lookup(ctx, a.Next, state, name, qtype)
			// Not authoritative (a delegation, or a zone in the server block that no data
			// plugin has): the answer lives elsewhere, ask the upstreams.
			if m != nil && m.Authoritative {
				switch m.Rcode {
				case dns.RcodeNameError:
					return result{kind: resultNoData}
				case dns.RcodeSuccess:
				default:
					return result{kind: resultFail}
				}
				addrs, end, t := chainlookup.Chase(m.Answer, name, qtype)
				if len(addrs) > 0 {
					return result{kind: resultAnswer, addrs: addrs, ttl: min(ttl, t)}
				}
				if !strings.EqualFold(end, name) {
					// A CNAME chain that ends outside what the data plugin could chase.
					ttl = min(ttl, t)
					name = end
					continue
				}
				next, t, ok := a.aliasAt(ctx, state, name)
				if !ok {
					return result{kind: resultNoData}
				}
				ttl = min(ttl, t)
				name = next
				continue
			}
		}

		o, err := a.external(name, qtype, server)
		switch {
		case err != nil:
			return result{kind: resultFail, err: err}
		case o.negative:
			return result{kind: resultNoData}
		}
		return result{kind: resultAnswer, addrs: o.addrs, ttl: min(ttl, o.ttl)}
	}
}

// aliasAt returns the target and TTL of the ALIAS record at name, if the chain below has one.
func (a *Alias) aliasAt(ctx context.Context, state request.Request, name string) (string, uint32, bool) {
	m := chainlookup.Lookup(ctx, a.Next, state, name, rrtypes.TypeALIAS)
	if m == nil || m.Rcode != dns.RcodeSuccess {
		return "", 0, false
	}
	for _, rr := range m.Answer {
		if al, ok := rrtypes.AsALIAS(rr); ok {
			return al.Target, rr.Header().Ttl, true
		}
	}
	return "", 0, false
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// external looks name up through the cache, then the upstreams. Identical concurrent
// lookups are merged into one exchange. When the upstreams fail, the last answer is used
// while it is younger than the stale window (RFC 8767), with a short TTL.
func (a *Alias) external(name string, qtype uint16, server string) (outcome, error) {
	k := key(name, qtype)
	now := a.now()
	if e := a.cache.get(k); e != nil && e.expires.After(now) {
		kind := "positive"
		if e.negative {
			kind = "negative"
		}
		cacheHitCount.WithLabelValues(server, kind).Inc()
		return outcome{addrs: e.addrs, negative: e.negative, ttl: e.ttl(now)}, nil
	}
	cacheMissCount.WithLabelValues(server).Inc()

	v, err, _ := a.group.Do(k.name+"/"+dns.Type(qtype).String(), func() (any, error) {
		o, err := a.up.exchange(dns.Fqdn(name), qtype, a.negCap)
		if err != nil {
			return nil, err
		}
		a.cache.set(k, &entry{addrs: o.addrs, negative: o.negative, expires: a.now().Add(seconds(o.ttl))})
		cacheSize.WithLabelValues(server).Set(float64(a.cache.len()))
		return o, nil
	})
	if err == nil {
		return v.(outcome), nil
	}

	now = a.now()
	if e := a.cache.get(k); e != nil && now.Sub(e.expires) <= a.stale {
		log.Warningf("Serving stale addresses of %s %s: %v", name, dns.Type(qtype), err)
		staleCount.WithLabelValues(server).Inc()
		return outcome{addrs: e.addrs, negative: e.negative, ttl: staleTTL}, nil
	}
	log.Errorf("Resolving ALIAS target %s %s: %v", name, dns.Type(qtype), err)
	return outcome{}, err
}
