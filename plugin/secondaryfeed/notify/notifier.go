// Package notify sends a fed zone's NOTIFYs (RFC 1996) to its secondaries:
// the new SOA in the answer section, TSIG-signed when the target has a key,
// retried with backoff until each target acknowledges, a newer serial taking
// the place of an older one still pending for the same target.
package notify

import (
	"context"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Metrics are the hooks the plugin counts NOTIFYs with; nil hooks are
// skipped. zone and target are given so the caller picks bounded labels.
type Metrics struct {
	Sent   func(zone, target string)            // an attempt went out
	Acked  func(zone, target string)            // a target acknowledged
	Failed func(zone, target string, err error) // an attempt failed; it is retried
}

// Options tune a Notifier; zero values take the defaults.
type Options struct {
	Timeout    time.Duration // one attempt's wait for the answer; 2s
	MinBackoff time.Duration // wait after the first failure, doubling; 1s
	MaxBackoff time.Duration // the longest wait between attempts; 60s
	// Parallel bounds the attempts in flight, each a socket: a change to
	// every zone must not open one per zone and target at once; 64.
	Parallel int
	Metrics  Metrics
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(60*time.Second, o.MinBackoff)
	}
	if o.Parallel <= 0 {
		o.Parallel = 64
	}
	return o
}

// Notifier runs the pending NOTIFYs: one job per zone and target.
type Notifier struct {
	ctx  context.Context
	opt  Options
	mu   sync.Mutex
	jobs map[jobKey]*job
	wg   sync.WaitGroup
	sem  chan struct{} // a slot per attempt in flight
}

type jobKey struct{ zone, addr string }

// New returns a Notifier whose jobs run until acknowledged or until ctx
// ends (the plugin's reload or shutdown).
func New(ctx context.Context, opt Options) *Notifier {
	opt = opt.withDefaults()
	return &Notifier{ctx: ctx, opt: opt, jobs: map[jobKey]*job{}, sem: make(chan struct{}, opt.Parallel)}
}

// Notify tells targets that soa's zone is now at soa's serial, in the
// background. For a target still being notified of the zone, a newer serial
// (RFC 1982) replaces the pending one and is sent at once; an older or equal
// one changes nothing.
func (n *Notifier) Notify(soa *dns.SOA, targets []Target) {
	soa = dns.Copy(soa).(*dns.SOA)
	soa.Hdr.Name = dns.CanonicalName(soa.Hdr.Name)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, t := range targets {
		k := jobKey{soa.Hdr.Name, t.Addr}
		if j, ok := n.jobs[k]; ok {
			j.update(soa, t)
			continue
		}
		j := &job{soa: soa, target: t, wake: make(chan struct{}, 1)}
		n.jobs[k] = j
		n.wg.Add(1)
		go n.run(k, j)
	}
}

// Pending returns how many zone and target pairs wait for an acknowledgement.
func (n *Notifier) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.jobs)
}

// Wait blocks until every job ended: acknowledged, or its context done.
func (n *Notifier) Wait() { n.wg.Wait() }
