package secondaryfeed

import (
	"context"

	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// batchBytes bounds the records of one transfer message, as the stock transfer plugin
// does: under 64 KB with room for the header, question and TSIG.
const batchBytes = 63000

// transfer answers AXFR and IXFR for z (RFC 5936, RFC 1995).
func (f *Feed) transfer(ctx context.Context, state request.Request, z *zone) (int, error) {
	r := state.Req
	kind := "axfr"
	if state.QType() == dns.TypeIXFR {
		kind = "ixfr"
	}
	v := z.cur.Load()
	d := f.decide(ctx, state, z, v)
	x := &xfrCount{kind: kind, peer: peerLabel(d)}
	if !d.Allowed() {
		x.count(resultOf(d.Rcode))
		log.Debugf("Transfer of %s to %s refused: %s", z.name, state.IP(), d.Reason)
		writeSigned(state, d.Reply(r))
		return d.Rcode, nil
	}
	if v == nil {
		x.count("not_built")
		return dns.RcodeServerFailure, nil
	}
	if kind == "axfr" {
		if state.Proto() != "tcp" {
			x.count("refused")
			return reply(state, dns.RcodeRefused) // RFC 5936 4.2: AXFR is TCP only
		}
		return f.send(state, x, axfr(v))
	}
	return f.ixfr(ctx, state, z, v, x)
}

// xfrCount counts one transfer request in coredns_secondaryfeed_transfers_total.
type xfrCount struct{ kind, peer string }

func (x *xfrCount) count(result string) { transfers.WithLabelValues(x.kind, result, x.peer).Inc() }

// peerLabel is the peer label of a decision: what let the request in, "none" if nothing.
func peerLabel(d access.Decision) string {
	if d.Peer == "" {
		return "none"
	}
	return d.Peer
}

// ixfr answers an IXFR (RFC 1995 4): the SOA alone when the client is up to date or asks
// over UDP, the condensed difference when the journal reaches back to the client's
// serial, else the whole zone (AXFR-style).
func (f *Feed) ixfr(ctx context.Context, state request.Request, z *zone, v *journal.Version, x *xfrCount) (int, error) {
	r := state.Req
	if len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		x.count("formerr")
		return reply(state, dns.RcodeFormatError) // RFC 1995 3: the client's SOA is required
	}
	client := r.Ns[0].(*dns.SOA).Serial
	if !journal.Less(client, v.Serial) || state.Proto() != "tcp" {
		// RFC 1995 2 and 4: up to date, or over UDP, where we tell the current serial
		// and the client comes back over TCP.
		x.kind = "uptodate"
		return f.send(state, x, [][]dns.RR{{v.SOA()}})
	}
	del, add, ok, err := f.Store.Since(ctx, z.name, client)
	if err != nil {
		log.Warningf("Zone %s: journal since %d: %v; sending the whole zone", z.name, client, err)
	}
	if err != nil || !ok {
		x.kind = "ixfr_fallback"
		return f.send(state, x, axfr(v))
	}
	// RFC 1995 4: new SOA, then (old SOA, deletions, new SOA, additions), new SOA.
	return f.send(state, x, [][]dns.RR{{add[0]}, del, add, {add[0]}})
}

// axfr is the whole version as an AXFR sends it: SOA, the records, SOA.
func axfr(v *journal.Version) [][]dns.RR {
	return [][]dns.RR{v.RRs, {v.SOA()}}
}

// send writes parts as one response, split in messages of at most batchBytes of
// records; over UDP it must fit one message. A TSIG-signed request gets every message
// signed (the server signs; the first with the request's MAC, the rest timers only).
func (f *Feed) send(state request.Request, x *xfrCount, parts [][]dns.RR) (int, error) {
	first := true
	err := batches(parts, func(rrs []dns.RR) error {
		m := new(dns.Msg)
		m.SetReply(state.Req)
		m.Authoritative = true
		m.Answer = rrs
		err := writeSigned(state, m)
		if first {
			state.W.TsigTimersOnly(true)
			first = false
		}
		return err
	})
	if err != nil {
		x.count("error")
		log.Warningf("Transfer (%s) of %s to %s: %v", x.kind, state.Name(), state.IP(), err)
		return dns.RcodeServerFailure, err
	}
	x.count("ok")
	return dns.RcodeSuccess, nil
}

// writeSigned writes m with the request's EDNS OPT and, when the request was signed and
// verified, a TSIG for the server to sign, in that order: the OPT must come before the
// TSIG, and CoreDNS's scrub writer would append it after.
func writeSigned(state request.Request, m *dns.Msg) error {
	t := m.IsTsig()
	if t != nil {
		m.Extra = m.Extra[:len(m.Extra)-1]
	}
	state.SizeAndDo(m)
	if t != nil {
		m.Extra = append(m.Extra, t)
	}
	signLike(m, state)
	return state.W.WriteMsg(m)
}

// batches calls emit with consecutive runs of parts' records, each at most batchBytes
// in wire size (a larger record goes alone). A run inside one part is a sub-slice, not a
// copy: a 100,000-record AXFR copies at most one run per part.
func batches(parts [][]dns.RR, emit func([]dns.RR) error) error {
	var pending []dns.RR // the tail of earlier parts, not sent yet
	size := 0
	for _, part := range parts {
		start := 0
		for i, rr := range part {
			n := dns.Len(rr)
			if size+n > batchBytes && (len(pending) > 0 || i > start) {
				run := part[start:i]
				if len(pending) > 0 {
					run = append(pending, run...)
				}
				if err := emit(run); err != nil {
					return err
				}
				pending, start, size = nil, i, 0
			}
			size += n
		}
		pending = append(pending, part[start:]...)
	}
	if len(pending) == 0 {
		return nil
	}
	return emit(pending)
}

// decide applies f.Allow; without one no one may transfer.
func (f *Feed) decide(ctx context.Context, state request.Request, z *zone, v *journal.Version) access.Decision {
	if f.Allow == nil {
		return access.Decision{Rcode: dns.RcodeRefused, Reason: "no access policy"}
	}
	return f.Allow.Allow(ctx, state, z.name, v)
}

// resultOf is the transfers metric's result of a refusal.
func resultOf(rcode int) string {
	if rcode == dns.RcodeNotAuth {
		return "notauth"
	}
	return "refused"
}

// reply answers with rcode alone, signed when the request was.
func reply(state request.Request, rcode int) (int, error) {
	m := new(dns.Msg)
	m.SetRcode(state.Req, rcode)
	writeSigned(state, m)
	return rcode, nil
}
