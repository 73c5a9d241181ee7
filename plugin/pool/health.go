package pool

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

// checker health-checks pool members. Pools live in zone data that changes under it, so
// it has no list of its own: members are added the first time a query picks from their
// pool, and dropped when no query asked for them for forgetAfter. A new member counts as
// up until its first check says otherwise.
type checker struct {
	kind      string // "tcp" or "http"
	port      int
	path      string // for http
	interval  time.Duration
	timeout   time.Duration
	maxFails  int32 // consecutive failed checks that take a member out
	perMember bool  // member_healthy series, one per member (member_metrics)

	mu      sync.RWMutex
	members map[string]*member // by lower-case target name
	next    plugin.Handler     // the chain below pool, to resolve members in served zones

	client   *http.Client
	stop     chan struct{}
	done     sync.WaitGroup
	stopOnce sync.Once
}

type member struct {
	target   string
	down     atomic.Bool
	fails    atomic.Int32 // consecutive failed checks
	lastSeen atomic.Int64 // unix seconds of the last query that saw the member
}

// forgetAfter is how long a member nobody asked about stays checked.
const forgetAfter = time.Hour

func newChecker(kind string, port int, path string, interval, timeout time.Duration, maxFails int, perMember bool) *checker {
	return &checker{
		kind: kind, port: port, path: path, interval: interval, timeout: timeout, maxFails: int32(maxFails),
		perMember: perMember,
		members:   make(map[string]*member),
		client: &http.Client{
			Timeout: timeout,
			// A redirect answers the check: the member is serving.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     &http.Transport{DisableKeepAlives: true},
		},
	}
}

// up reports whether target passed its last check. Unknown targets are up.
func (h *checker) up(target string) bool {
	h.mu.RLock()
	m := h.members[strings.ToLower(target)]
	h.mu.RUnlock()
	return m == nil || !m.down.Load()
}

// watch makes sure every member of the POOL records rrs is checked.
func (h *checker) watch(rrs []dns.RR, next plugin.Handler) {
	now := time.Now().Unix()
	for _, rr := range rrs {
		p, ok := rrtypes.AsPOOL(rr)
		if !ok || p.Target == "" {
			continue
		}
		k := strings.ToLower(p.Target)
		h.mu.RLock()
		m := h.members[k]
		h.mu.RUnlock()
		if m == nil {
			h.mu.Lock()
			if m = h.members[k]; m == nil {
				m = &member{target: p.Target}
				h.members[k] = m
				h.next = next
				membersChecked.Inc()
				h.setHealthy(m, true)
			}
			h.mu.Unlock()
		}
		if m.lastSeen.Load() != now {
			m.lastSeen.Store(now)
		}
	}
}

func (h *checker) start() {
	h.stop = make(chan struct{})
	h.done.Add(1)
	go h.run()
}

// shutdown stops the checks and waits for a running round to end, so that a reload
// leaves no goroutine behind.
func (h *checker) shutdown() {
	h.stopOnce.Do(func() {
		if h.stop != nil {
			close(h.stop)
		}
		h.done.Wait()
		h.client.CloseIdleConnections()
		h.mu.Lock()
		for k, m := range h.members {
			h.forget(k, m)
		}
		h.mu.Unlock()
	})
}

// forget stops checking m, and takes it out of the gauges; h.mu is held.
func (h *checker) forget(key string, m *member) {
	delete(h.members, key)
	membersChecked.Dec()
	if m.down.Load() {
		membersDown.Dec()
	}
	if h.perMember {
		memberHealthy.DeleteLabelValues(m.target)
	}
}

func (h *checker) setHealthy(m *member, ok bool) {
	if h.perMember {
		memberHealthy.WithLabelValues(m.target).Set(b2f(ok))
	}
}

func (h *checker) run() {
	defer h.done.Done()
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
			h.round()
		}
	}
}

// round checks every member once, all at the same time, and returns when all are done.
func (h *checker) round() {
	cutoff := time.Now().Add(-forgetAfter).Unix()
	h.mu.Lock()
	ms := make([]*member, 0, len(h.members))
	for k, m := range h.members {
		if m.lastSeen.Load() < cutoff {
			h.forget(k, m)
			continue
		}
		ms = append(ms, m)
	}
	next := h.next
	h.mu.Unlock()

	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := h.check(next, m.target)
			if ok {
				m.fails.Store(0)
			} else if m.fails.Add(1) < h.maxFails {
				return // one slow check does not take a member out
			}
			if was := !m.down.Swap(!ok); was != ok {
				if ok {
					membersDown.Dec()
					log.Infof("Pool member %s is up again", m.target)
				} else {
					membersDown.Inc()
					log.Warningf("Pool member %s failed its %s health check: taken out", m.target, h.kind)
				}
			}
			h.setHealthy(m, ok)
		}()
	}
	wg.Wait()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// check reports whether one of target's addresses accepts a TCP connection on the port or
// answers the HTTP GET with a status below 400.
func (h *checker) check(next plugin.Handler, target string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	for _, ip := range h.addresses(ctx, next, target) {
		addr := net.JoinHostPort(ip, strconv.Itoa(h.port))
		if h.kind == "tcp" {
			d := net.Dialer{}
			if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
				c.Close()
				return true
			}
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+h.path, nil)
		if err != nil {
			return false
		}
		req.Host = strings.TrimSuffix(target, ".")
		resp, err := h.client.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			return true
		}
	}
	return false
}

// addresses resolves target: through the chain below when the data plugin has it (the
// member is in a zone served here, the usual case), else with the system resolver. A member
// that is a CNAME to a name elsewhere is resolved at the end of its chain.
func (h *checker) addresses(ctx context.Context, next plugin.Handler, target string) []string {
	var ips []string
	answered := false
	external := strings.TrimSuffix(target, ".")
	state := chainlookup.LocalRequest(target, dns.TypeA)
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m := chainlookup.Lookup(ctx, next, state, target, qtype)
		if m == nil || !m.Authoritative {
			continue
		}
		answered = true
		addrs, end, _ := chainlookup.Chase(m.Answer, target, qtype)
		if !strings.EqualFold(end, target) {
			external = strings.TrimSuffix(end, ".")
		}
		for _, rr := range addrs {
			switch a := rr.(type) {
			case *dns.A:
				ips = append(ips, a.A.String())
			case *dns.AAAA:
				ips = append(ips, a.AAAA.String())
			}
		}
	}
	if len(ips) > 0 || (answered && strings.EqualFold(external+".", target)) {
		return ips
	}
	ips, _ = net.DefaultResolver.LookupHost(ctx, external)
	return ips
}
