package secondaryfeed

import (
	"context"
	"sync"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
)

// notifier implements Notifier with package notify: the new SOA in the answer section
// (RFC 1996 3.7), TSIG-signed with the target's key, retried until acknowledged or until
// the last instance stops: a reload keeps the pending NOTIFYs going (sharedNotify).
type notifier struct {
	n       *notify.Notifier
	targets func(zone string) []notify.Target
}

// newNotifier returns a notifier on the shared notify.Notifier; release it with close.
func newNotifier(targets func(string) []notify.Target) *notifier {
	return &notifier{n: acquireNotify(), targets: targets}
}

func (s *notifier) close() { releaseNotify() }

// The pending NOTIFYs are shared and counted like the memory journals (shared.go): a reload
// starts the new instance before it stops the old one, so NOTIFYs still being retried to a
// secondary that did not answer yet outlive it. When the last instance stops, they end.
var (
	notifyMu     sync.Mutex
	sharedNotify *notify.Notifier
	notifyStop   context.CancelFunc
	notifyRefs   int
)

func acquireNotify() *notify.Notifier {
	notifyMu.Lock()
	defer notifyMu.Unlock()
	if notifyRefs == 0 {
		var ctx context.Context
		ctx, notifyStop = context.WithCancel(context.Background())
		sharedNotify = notify.New(ctx, notify.Options{Metrics: notifyMetrics})
	}
	notifyRefs++
	return sharedNotify
}

// releaseNotify drops a reference; the last one ends the retries and waits for them.
func releaseNotify() {
	notifyMu.Lock()
	defer notifyMu.Unlock()
	if notifyRefs--; notifyRefs > 0 {
		return
	}
	notifyStop()
	sharedNotify.Wait()
	sharedNotify, notifyStop = nil, nil
}

// Notify implements Notifier. The targets are looked up now: SQL's ALSO-NOTIFY is as
// current as the change being announced.
func (s *notifier) Notify(_ context.Context, zone string, soa *dns.SOA) {
	if ts := s.targets(zone); len(ts) > 0 {
		s.n.Notify(soa, ts)
		holdDuringReload(zone, soa, ts)
	}
}

// A reload starts the new instance while the old one still answers on the same sockets:
// a secondary that gets the new instance's NOTIFY may ask the old one for the SOA, see
// the old serial, acknowledge, and wait for its next refresh (BIND did, for a catalog,
// in CI). So what is notified while a reload is under way is notified again once the
// old instance's servers stopped (its shutdown callback: caddy stops the servers first).
var (
	reloadsPending int                   // old instances that called restart and did not stop yet
	heldNotifies   map[string]heldNotify // zone -> the latest NOTIFY sent meanwhile
)

type heldNotify struct {
	soa     *dns.SOA
	targets []notify.Target
}

// beginReload is an old instance's restart: its successor's NOTIFYs are held from now.
func beginReload() {
	notifyMu.Lock()
	defer notifyMu.Unlock()
	reloadsPending++
}

// endReload is an old instance's shutdown after a restart, or the restart's failure: once
// no old instance answers any more, the NOTIFYs held are sent again.
func endReload() {
	notifyMu.Lock()
	reloadsPending = max(0, reloadsPending-1)
	var again map[string]heldNotify
	if reloadsPending == 0 {
		again, heldNotifies = heldNotifies, nil
	}
	n := sharedNotify
	notifyMu.Unlock()
	if n == nil {
		return
	}
	for _, h := range again {
		n.Notify(h.soa, h.targets)
	}
}

func holdDuringReload(zone string, soa *dns.SOA, targets []notify.Target) {
	notifyMu.Lock()
	defer notifyMu.Unlock()
	if reloadsPending == 0 {
		return
	}
	if heldNotifies == nil {
		heldNotifies = map[string]heldNotify{}
	}
	heldNotifies[zone] = heldNotify{soa: soa, targets: targets}
}

// notifyMetrics counts NOTIFYs without zone or target labels: both are unbounded.
var notifyMetrics = notify.Metrics{
	Sent:   func(string, string) { notifies.WithLabelValues("sent").Inc() },
	Acked:  func(string, string) { notifies.WithLabelValues("acked").Inc() },
	Failed: func(string, string, error) { notifies.WithLabelValues("failed").Inc() },
}
