package alias

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin/pkg/proxy"
	"github.com/coredns/coredns/plugin/pkg/transport"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"

	"github.com/miekg/dns"
)

// upstreams are the resolvers asked for targets outside the zones served here. They are
// forward's proxies: persistent connections, adaptive dial timeouts, the same code paths
// (and coredns_proxy_* metrics) as forward.
type upstreams struct {
	proxies []*proxy.Proxy
	timeout time.Duration // per attempt
	retries int           // attempts after the first, each on the next upstream in turn

	stopOnce sync.Once
}

func newUpstreams(addrs []string, timeout time.Duration, retries int) *upstreams {
	u := &upstreams{timeout: timeout, retries: retries}
	for _, a := range addrs {
		p := proxy.NewProxy("alias", a, transport.DNS)
		p.SetReadTimeout(timeout)
		u.proxies = append(u.proxies, p)
	}
	return u
}

func (u *upstreams) start() {
	for _, p := range u.proxies {
		// No health checking is triggered by alias (it retries on the next upstream
		// instead), so the interval only matters to forward's probe, which stays idle.
		p.Start(time.Minute)
	}
}

// stop ends the proxies' health probes. Their connection managers end when the proxies
// are collected, as with forward (a Transport cannot be stopped twice, and proxy's
// finalizer stops it).
func (u *upstreams) stop() {
	u.stopOnce.Do(func() {
		for _, p := range u.proxies {
			p.Stop()
		}
	})
}

var errNoUpstream = errors.New("no upstream resolver configured")

// outcome is what one upstream lookup of a target says.
type outcome struct {
	addrs    []dns.RR
	ttl      uint32
	negative bool // NXDOMAIN, NODATA, or a CNAME chain that ends without addresses
}

// exchange asks the upstreams for qtype at name, with recursion, trying the next one on
// failure until the attempts run out. Only NOERROR and NXDOMAIN count as answers:
// SERVFAIL, REFUSED and the rest are failures, so the caller can serve stale instead.
func (u *upstreams) exchange(name string, qtype uint16, negCap uint32) (outcome, error) {
	if len(u.proxies) == 0 {
		return outcome{}, errNoUpstream
	}
	var lastErr error
	for attempt := 0; attempt <= u.retries; attempt++ {
		p := u.proxies[attempt%len(u.proxies)]
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.RecursionDesired = true
		m.SetEdns0(1232, false)
		state := request.Request{W: chainlookup.LocalWriter{}, Req: m}

		start := time.Now()
		ret, _, _, err := p.Connect(context.Background(), state, proxy.Options{PreferUDP: true})
		if err == nil && ret.Truncated {
			ret, _, _, err = p.Connect(context.Background(), state, proxy.Options{ForceTCP: true})
		}
		upstreamDuration.WithLabelValues(p.Addr()).Observe(time.Since(start).Seconds())
		if err == nil && ret.Rcode != dns.RcodeSuccess && ret.Rcode != dns.RcodeNameError {
			err = fmt.Errorf("upstream %s answered %s", p.Addr(), dns.RcodeToString[ret.Rcode])
		}
		if err != nil {
			upstreamFailCount.WithLabelValues(p.Addr()).Inc()
			lastErr = err
			continue
		}
		return parseAnswer(ret, name, qtype, negCap), nil
	}
	return outcome{}, lastErr
}

// parseAnswer turns a resolver's answer into an outcome: the addresses at the end of the CNAME
// chain from name, with the smallest TTL along it; or a negative answer cached for the
// SOA's negative TTL (RFC 2308), at most negCap seconds.
func parseAnswer(m *dns.Msg, name string, qtype uint16, negCap uint32) outcome {
	if m.Rcode == dns.RcodeSuccess {
		if addrs, _, ttl := chainlookup.Chase(m.Answer, name, qtype); len(addrs) > 0 {
			return outcome{addrs: addrs, ttl: ttl}
		}
	}
	ttl := negCap
	if soa := chainlookup.SOA(m); soa != nil {
		ttl = min(ttl, soa.Hdr.Ttl, soa.Minttl)
	}
	return outcome{negative: true, ttl: ttl}
}
