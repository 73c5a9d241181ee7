// Package urlredirect serves URL records (plugin/pkg/rrtypes): A and AAAA queries at a name
// that holds one are answered with the addresses of the redirector, and the redirector, an
// HTTP(S) server this plugin runs, answers requests for that name with the record's
// redirect. Both halves read the records through the chain below, whichever data plugin
// holds them.
package urlredirect

import (
	"context"
	"net"
	"slices"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/request"

	"github.com/hostdns/hostdns/plugin/pkg/chainlookup"
	"github.com/hostdns/hostdns/plugin/pkg/rrtypes"

	"github.com/miekg/dns"
)

var log = clog.NewWithPlugin("urlredirect")

// Redirect is the urlredirect plugin: the DNS half (ServeDNS) and the redirector
// (ServeHTTP, run on the listeners of the Corefile).
type Redirect struct {
	Next plugin.Handler

	zones *chainlookup.Zones
	v4    []net.IP // what A queries at a URL name get
	v6    []net.IP // what AAAA queries get

	memo       *chainlookup.Memo[*target] // nil value: the host holds no URL record
	memoWindow time.Duration

	srv *servers // the HTTP(S) listeners; nil: DNS half only

	upgrade   bool   // https_upgrade: plain-http requests go to https on the same host first
	httpsPort string // the first https listener's port, where upgrades go
}

// ServeDNS implements plugin.Handler.
func (r *Redirect) ServeDNS(ctx context.Context, w dns.ResponseWriter, m *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: m}
	qtype := state.QType()
	ips := r.addresses(qtype)
	if len(ips) == 0 || r.zones.Match(state.Name()) == "" {
		return plugin.NextOrFailure(r.Name(), r.Next, ctx, w, m)
	}
	// As alias and pool do: the data plugin answers first and only its NODATA, which is
	// what a name holding a URL record (and no address) gets, is held back.
	hw := &chainlookup.HoldWriter{ResponseWriter: w}
	rcode, err := plugin.NextOrFailure(r.Name(), r.Next, ctx, hw, m)
	if hw.Held == nil {
		return rcode, err
	}
	um := chainlookup.Lookup(ctx, r.Next, state, state.Name(), rrtypes.TypeURL)
	rr := urlRR(um, state.Name())
	if rr == nil {
		w.WriteMsg(hw.Held)
		return dns.RcodeSuccess, nil
	}
	// The answer looks like the data plugin's answer for address records at this name:
	// the owner as the URL record has it (a wildcard expanded), its TTL, the authority and
	// additional sections of the URL answer. Fresh slices: plugins above (dnssec,
	// loadbalance) append to and reorder them.
	owner, ttl := rr.Header().Name, rr.Header().Ttl
	a := new(dns.Msg)
	a.SetReply(m)
	a.Authoritative = true
	for _, ip := range ips {
		a.Answer = append(a.Answer, addressRR(owner, ttl, qtype, ip))
	}
	a.Ns = slices.Clone(um.Ns)
	a.Extra = slices.Clone(um.Extra)
	dnsAnswers.WithLabelValues(metrics.WithServer(ctx)).Inc()
	w.WriteMsg(a)
	return dns.RcodeSuccess, nil
}

// addresses returns the redirector's addresses for qtype, nil for any other type.
func (r *Redirect) addresses(qtype uint16) []net.IP {
	switch qtype {
	case dns.TypeA:
		return r.v4
	case dns.TypeAAAA:
		return r.v6
	}
	return nil
}

func addressRR(owner string, ttl uint32, qtype uint16, ip net.IP) dns.RR {
	hdr := dns.RR_Header{Name: owner, Rrtype: qtype, Class: dns.ClassINET, Ttl: ttl}
	if qtype == dns.TypeA {
		return &dns.A{Hdr: hdr, A: ip}
	}
	return &dns.AAAA{Hdr: hdr, AAAA: ip}
}

// urlRR returns the URL record at name in m, the chain's answer to a URL query, following
// CNAMEs inside the answer; nil if there is none or the answer is not a positive one.
func urlRR(m *dns.Msg, name string) dns.RR {
	if m == nil || m.Rcode != dns.RcodeSuccess {
		return nil
	}
	rrs, _, _ := chainlookup.Chase(m.Answer, name, rrtypes.TypeURL)
	for _, rr := range rrs {
		if u, ok := rrtypes.AsURL(rr); ok && u.Target != "" {
			return rr
		}
	}
	return nil
}

// Name implements plugin.Handler.
func (r *Redirect) Name() string { return "urlredirect" }

// Ready implements ready.Readiness: ready once every listener is up (at once without any).
func (r *Redirect) Ready() bool { return r.srv == nil || r.srv.up.Load() }
