package secondaryfeed

import (
	"context"
	"time"

	"github.com/miekg/dns"
)

// staticNotifier sends an unsigned NOTIFY, with the new SOA in the answer section (RFC
// 1996 3.7), to fixed addresses, as the stock transfer plugin does: up to three tries per
// address. Package notify replaces it with signed, retried-until-acknowledged NOTIFY.
type staticNotifier struct {
	to      []string // host:port
	timeout time.Duration
}

// Notify implements Notifier.
func (n *staticNotifier) Notify(ctx context.Context, zone string, soa *dns.SOA) {
	m := new(dns.Msg)
	m.SetNotify(zone)
	m.Answer = []dns.RR{soa}
	for _, addr := range n.to {
		go n.send(ctx, m, addr)
	}
}

func (n *staticNotifier) send(ctx context.Context, m *dns.Msg, addr string) {
	c := &dns.Client{Timeout: n.timeout}
	var last error
	for range 3 {
		if ctx.Err() != nil {
			return
		}
		resp, _, err := c.ExchangeContext(ctx, m, addr)
		if err == nil && resp.Rcode == dns.RcodeSuccess {
			return
		}
		if err == nil {
			err = rcodeError(resp.Rcode)
		}
		last = err
	}
	log.Warningf("NOTIFY for %s to %s not acknowledged: %v", m.Question[0].Name, addr, last)
}

type rcodeError int

func (e rcodeError) Error() string { return "rcode " + dns.RcodeToString[int(e)] }
