package secondaryfeed

import (
	"context"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
)

// notifier implements Notifier with package notify: the new SOA in the answer section
// (RFC 1996 3.7), TSIG-signed with the target's key, retried until acknowledged or until
// the feed stops (reload, shutdown).
type notifier struct {
	n       *notify.Notifier
	targets func(zone string) []notify.Target
}

// newNotifier returns a notifier whose retries end with ctx.
func newNotifier(ctx context.Context, targets func(string) []notify.Target) *notifier {
	return &notifier{n: notify.New(ctx, notify.Options{Metrics: notifyMetrics}), targets: targets}
}

// Notify implements Notifier. The targets are looked up now: SQL's ALSO-NOTIFY is as
// current as the change being announced.
func (s *notifier) Notify(_ context.Context, zone string, soa *dns.SOA) {
	if ts := s.targets(zone); len(ts) > 0 {
		s.n.Notify(soa, ts)
	}
}

// notifyMetrics counts NOTIFYs without zone or target labels: both are unbounded.
var notifyMetrics = notify.Metrics{
	Sent:   func(string, string) { notifies.WithLabelValues("sent").Inc() },
	Acked:  func(string, string) { notifies.WithLabelValues("acked").Inc() },
	Failed: func(string, string, error) { notifies.WithLabelValues("failed").Inc() },
}
