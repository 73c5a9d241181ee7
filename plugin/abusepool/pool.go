package abusepool

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin/pkg/proxy"
	"github.com/coredns/coredns/plugin/pkg/transport"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Defaults of an abuse pool, as forward's.
const (
	defaultHealthCheck = 500 * time.Millisecond // between checks of an upstream that failed
	maxFails           = 2                      // failed checks before an upstream counts as down
	poolTimeout        = 5 * time.Second        // for one query, over every upstream tried
)

// poolConfig is what the Corefile says about one abuse pool.
type poolConfig struct {
	name        string
	addrs       []string // host:port, plain DNS
	maxQPS      float64  // 0: no cap
	healthCheck time.Duration
}

// abusePool is a named set of upstreams that answer the queries a `pool` rule sends them,
// instead of the plugins below: forward's proxies (persistent connections, health checks
// of an upstream that failed, coredns_proxy_* metrics), behind an optional QPS cap over
// which the pool's traffic is dropped, so an attack shunted here cannot flood the pool.
type abusePool struct {
	name    string
	proxies []*proxy.Proxy
	cap     *rate.Limiter // nil: no cap
	every   time.Duration
	next    atomic.Uint32 // round robin over the upstreams

	answered, overQPS, failed prometheus.Counter

	stopOnce sync.Once
}

func newAbusePool(c poolConfig) *abusePool {
	p := &abusePool{
		name:     c.name,
		every:    c.healthCheck,
		answered: poolRequestsCount.WithLabelValues(c.name, poolAnswered),
		overQPS:  poolRequestsCount.WithLabelValues(c.name, poolOverQPS),
		failed:   poolRequestsCount.WithLabelValues(c.name, poolError),
	}
	if p.every == 0 {
		p.every = defaultHealthCheck
	}
	if c.maxQPS > 0 {
		// A burst of one second's worth: the cap holds over any second, and a short burst
		// right after a quiet spell is not dropped.
		p.cap = rate.NewLimiter(rate.Limit(c.maxQPS), max(1, int(c.maxQPS)))
	}
	for _, a := range c.addrs {
		px := proxy.NewProxy("abusepool", a, transport.DNS)
		px.GetHealthchecker().SetRecursionDesired(false)
		p.proxies = append(p.proxies, px)
	}
	return p
}

func (p *abusePool) start() {
	for _, px := range p.proxies {
		px.Start(p.every)
	}
}

// stop ends the upstreams' health checks. Their connection managers end when the proxies
// are collected, as with forward: proxy's finalizer stops the transport, which cannot be
// stopped twice.
func (p *abusePool) stop() {
	p.stopOnce.Do(func() {
		for _, px := range p.proxies {
			px.Stop()
		}
	})
}

var errNoUpstream = errors.New("no upstream of the abuse pool answered")

// serve has the pool answer r, and returns the rcode and size of what was written, or
// inspect.NoAnswer when the cap dropped the query.
func (p *abusePool) serve(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (rcode, size int) {
	if p.cap != nil && !p.cap.Allow() {
		p.overQPS.Inc()
		return inspect.NoAnswer, 0
	}
	state := request.Request{W: w, Req: r}
	ret, err := p.exchange(ctx, state)
	if err != nil {
		p.failed.Inc()
		ret = new(dns.Msg)
		ret.SetRcode(r, dns.RcodeServerFailure)
	} else {
		p.answered.Inc()
	}
	w.WriteMsg(ret)
	return ret.Rcode, ret.Len()
}

// exchange asks the upstreams in turn, from the next one round robin, skipping those down
// unless all are, until one answers.
func (p *abusePool) exchange(ctx context.Context, state request.Request) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, poolTimeout)
	defer cancel()
	n := len(p.proxies)
	first := int(p.next.Add(1)) % n
	allDown := true
	for _, px := range p.proxies {
		if !px.Down(maxFails) {
			allDown = false
			break
		}
	}
	err := errNoUpstream
	for i := range n {
		px := p.proxies[(first+i)%n]
		if px.Down(maxFails) && !allDown {
			continue
		}
		var ret *dns.Msg
		for {
			ret, _, _, err = px.Connect(ctx, state, proxy.Options{})
			if !errors.Is(err, proxy.ErrCachedClosed) {
				break
			}
		}
		if err == nil && state.Match(ret) {
			return ret, nil
		}
		if err == nil {
			err = errors.New("abuse pool upstream " + px.Addr() + " answered another question")
		}
		px.Healthcheck()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}
