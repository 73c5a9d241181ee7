// Package chainlookup is what the plugins that sit above the data plugins (alias, pool)
// need to ask the chain below them for records: Lookup asks, HoldWriter holds back the one
// kind of answer they rewrite (NODATA), Chase follows CNAMEs through an answer, Memo keeps
// what the chain said for a short while, and Zones matches query names against the zones
// of a server block without allocating.
//
// All of it is built for the hot path: a query that the data plugin answers with records
// goes straight through HoldWriter to the client, so a plain A query pays one small
// allocation, a map lookup and a type switch for passing a plugin that has nothing to do
// with it.
package chainlookup

import (
	"context"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// Lookup asks next (the rest of the chain below the caller) for records of qtype at name,
// as the data plugin would answer the client that sent state: same transport, same EDNS
// and DO bit. It returns the message the chain wrote, or nil if it wrote none (it then
// returned an error rcode that the server would have turned into a reply).
func Lookup(ctx context.Context, next plugin.Handler, state request.Request, name string, qtype uint16) *dns.Msg {
	if next == nil {
		return nil
	}
	// A fresh question with the client's header flags and OPT record (shared, the data
	// plugins only read it), not request.NewWithQuestion's deep copy: this runs on every
	// ALIAS/POOL answer, up to three times.
	o := state.Req
	req := &dns.Msg{
		MsgHdr: dns.MsgHdr{
			Id: o.Id, Opcode: o.Opcode, RecursionDesired: o.RecursionDesired,
			CheckingDisabled: o.CheckingDisabled, AuthenticatedData: o.AuthenticatedData,
		},
		Question: []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}},
	}
	if opt := o.IsEdns0(); opt != nil {
		req.Extra = []dns.RR{opt}
	}
	nw := nonwriter.New(state.W)
	rcode, _ := next.ServeDNS(ctx, nw, req)
	if nw.Msg == nil && !plugin.ClientWrite(rcode) {
		// Nothing was written, the server would have sent rcode: make that visible.
		m := new(dns.Msg)
		m.SetRcode(req, rcode)
		return m
	}
	return nw.Msg
}

// HoldWriter passes every response to the client except a NODATA answer (see IsNoData),
// which it keeps in Held for the caller to replace. The caller must write something
// itself when Held is not nil after the chain returned.
type HoldWriter struct {
	dns.ResponseWriter
	Held *dns.Msg
}

// WriteMsg implements dns.ResponseWriter.
func (w *HoldWriter) WriteMsg(m *dns.Msg) error {
	if IsNoData(m) {
		w.Held = m
		return nil
	}
	return w.ResponseWriter.WriteMsg(m)
}

// IsNoData reports whether m is an authoritative NODATA answer: NOERROR, no answer
// records, the zone's SOA in the authority section. That is what every data plugin
// answers for a name that exists but has no records of the asked type, which is
// exactly the case of an A query at a name that holds ALIAS or POOL records.
func IsNoData(m *dns.Msg) bool {
	if m == nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 || !m.Authoritative {
		return false
	}
	return SOA(m) != nil
}

// SOA returns the first SOA record of m's authority section, or nil.
func SOA(m *dns.Msg) *dns.SOA {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa
		}
	}
	return nil
}

// Chase follows the CNAME chain that starts at name through answer (as a data plugin or a
// resolver writes it) and returns the records of qtype at its end, the name it ended at
// and the smallest TTL of the records it used. With no records of qtype at the end,
// addrs is empty and end is where a further lookup must continue.
func Chase(answer []dns.RR, name string, qtype uint16) (addrs []dns.RR, end string, ttl uint32) {
	ttl = ^uint32(0)
	end = name
	for range 16 { // a longer chain inside one answer is hostile or broken
		next := ""
		for _, rr := range answer {
			h := rr.Header()
			if !equalName(h.Name, end) {
				continue
			}
			switch {
			case h.Rrtype == qtype:
				addrs = append(addrs, rr)
				ttl = min(ttl, h.Ttl)
			case h.Rrtype == dns.TypeCNAME && next == "":
				if c, ok := rr.(*dns.CNAME); ok {
					next = c.Target
					ttl = min(ttl, h.Ttl)
				}
			}
		}
		if len(addrs) > 0 || next == "" {
			return addrs, end, ttl
		}
		end = next
	}
	return nil, end, ttl
}

// equalName compares domain names as DNS does, ignoring ASCII case, without allocating.
func equalName(a, b string) bool { return strings.EqualFold(a, b) }
