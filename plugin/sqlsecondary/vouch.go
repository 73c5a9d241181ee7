package sqlsecondary

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// vouching returns the supermasters row that vouches for zone the way PowerDNS's autosecondary
// requires: the notifying primary (at addr) lists, among the zone's NS records, the row's
// nameserver. A supermaster's address alone does not let it create any zone it names.
func vouching(ctx context.Context, zone, addr string, sms []supermaster) (supermaster, error) {
	ns, err := askNS(ctx, zone, addr)
	if err != nil {
		return supermaster{}, fmt.Errorf("asking the primary for its NS: %w", err)
	}
	for _, sm := range sms {
		want := dns.CanonicalName(strings.TrimSpace(sm.nameserver))
		for _, n := range ns {
			if dns.CanonicalName(n) == want {
				return sm, nil
			}
		}
	}
	return supermaster{}, fmt.Errorf("none of its NS %v is a supermasters nameserver for this address", ns)
}

// askNS asks addr for zone's NS records over TCP, as the transfer will be: an answer an
// off-path attacker spoofed over UDP cannot vouch for a zone.
func askNS(ctx context.Context, zone, addr string) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeNS)
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	in, _, err := c.ExchangeContext(ctx, m, addr)
	if err != nil {
		return nil, err
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("rcode %s", dns.RcodeToString[in.Rcode])
	}
	var out []string
	for _, rr := range in.Answer {
		if n, ok := rr.(*dns.NS); ok && dns.CanonicalName(n.Hdr.Name) == dns.CanonicalName(zone) {
			out = append(out, n.Ns)
		}
	}
	return out, nil
}
