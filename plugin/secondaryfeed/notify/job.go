package notify

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin/pkg/log"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/miekg/dns"
)

var clog = log.NewWithPlugin("secondaryfeed")

// job is the pending NOTIFY of one zone to one target: the newest SOA to
// tell it of.
type job struct {
	mu     sync.Mutex
	soa    *dns.SOA
	target Target
	wake   chan struct{} // a newer serial came: send it now
}

// update makes soa the one to send when it is newer than the pending one,
// and t's key the one to sign with when the serial is the same: a key whose
// secret changed must not leave the job retrying with the old one.
func (j *job) update(soa *dns.SOA, t Target) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case newer(soa.Serial, j.soa.Serial):
		j.soa, j.target = soa, t
	case soa.Serial == j.soa.Serial && !sameKey(t.Key, j.target.Key):
		j.target = t
	default:
		return
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

func sameKey(a, b *xfrmeta.Key) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

func (j *job) current() (*dns.SOA, Target) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.soa, j.target
}

// newer reports whether serial a is after b (RFC 1982).
func newer(a, b uint32) bool { return a != b && int32(a-b) > 0 }

// run sends j's NOTIFY until acknowledged or the notifier's context ends.
func (n *Notifier) run(k jobKey, j *job) {
	defer n.wg.Done()
	failures := 0
	for {
		soa, t := j.current()
		err := n.attempt(soa, t)
		if err == nil {
			if failures > 0 {
				clog.Infof("NOTIFY of %s serial %d acknowledged by %s after %d failed attempts", k.zone, soa.Serial, k.addr, failures)
			}
			if n.finish(k, j, soa) {
				return
			}
			failures = 0 // a newer serial came meanwhile: send it now
			select {
			case <-j.wake:
			default:
			}
			continue
		}
		failures++
		if failures == 1 {
			clog.Warningf("NOTIFY of %s serial %d to %s (key %q) failed, retrying: %v", k.zone, soa.Serial, k.addr, t.signer(), err)
		}
		if !n.backoff(j, failures) {
			n.drop(k)
			return
		}
	}
}

// attempt sends one NOTIFY, when a slot is free, and calls the hooks.
func (n *Notifier) attempt(soa *dns.SOA, t Target) error {
	select {
	case n.sem <- struct{}{}:
		defer func() { <-n.sem }()
	case <-n.ctx.Done():
		return n.ctx.Err()
	}
	m := n.opt.Metrics
	if m.Sent != nil {
		m.Sent(soa.Hdr.Name, t.Addr)
	}
	err := Send(n.ctx, soa, t, n.opt.Timeout)
	switch {
	case err == nil && m.Acked != nil:
		m.Acked(soa.Hdr.Name, t.Addr)
	case err != nil && m.Failed != nil && n.ctx.Err() == nil:
		m.Failed(soa.Hdr.Name, t.Addr, err)
	}
	return err
}

// backoff waits before attempt failures+1: MinBackoff doubled per failure,
// at most MaxBackoff, give or take a quarter so the zones of one change
// that failed together do not retry together; a newer serial ends the
// wait. It is false when the notifier's context ended.
func (n *Notifier) backoff(j *job, failures int) bool {
	d := n.opt.MinBackoff
	for i := 1; i < failures && d < n.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.opt.MaxBackoff)
	d += time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-n.ctx.Done():
		return false
	case <-timer.C:
	case <-j.wake:
	}
	return true
}

// finish ends job j once soa was acknowledged, unless a newer serial came
// meanwhile: then it is false and the job goes on.
func (n *Notifier) finish(k jobKey, j *job, soa *dns.SOA) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	cur, _ := j.current()
	if cur != soa {
		return false
	}
	delete(n.jobs, k)
	return true
}

func (n *Notifier) drop(k jobKey) {
	n.mu.Lock()
	delete(n.jobs, k)
	n.mu.Unlock()
}
