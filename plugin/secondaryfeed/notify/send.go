package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// Message returns the NOTIFY for soa's zone: opcode NOTIFY, AA, the
// question zone/SOA and the SOA in the answer section (RFC 1996 3.7), so a
// secondary that already has the serial need not ask. The zone's name goes
// out in lower case.
func Message(soa *dns.SOA) *dns.Msg {
	s := dns.Copy(soa).(*dns.SOA)
	s.Hdr.Name = dns.CanonicalName(s.Hdr.Name)
	m := new(dns.Msg).SetNotify(s.Hdr.Name)
	m.Answer = []dns.RR{s}
	return m
}

// Send sends one NOTIFY for soa to t, signed with t's key when it has one,
// over UDP, or TCP when the UDP answer is truncated or UDP cannot be used,
// and checks the acknowledgement: a response with the NOTIFY opcode and
// NOERROR, its TSIG verified when signed (RFC 1996 4.7, RFC 8945).
func Send(ctx context.Context, soa *dns.SOA, t Target, timeout time.Duration) error {
	m := Message(soa)
	c := &dns.Client{Net: "udp", Timeout: timeout}
	if t.Key != nil {
		m.SetTsig(t.Key.Name, t.Key.Algorithm, 300, time.Now().Unix())
		c.TsigSecret = map[string]string{t.Key.Name: t.Key.Secret}
	}
	r, _, err := c.ExchangeContext(ctx, m, t.Addr)
	if useTCP(r, err) {
		c.Net = "tcp"
		if t.Key != nil {
			m.SetTsig(t.Key.Name, t.Key.Algorithm, 300, time.Now().Unix())
		}
		r, _, err = c.ExchangeContext(ctx, m, t.Addr)
	}
	if err != nil {
		return err
	}
	return acknowledges(m, r)
}

// useTCP reports whether a UDP exchange that gave r, err is worth trying
// again over TCP: a truncated answer, or an error that is neither a timeout
// nor the end of the context (a response too large, a UDP path refused).
func useTCP(r *dns.Msg, err error) bool {
	if err == nil {
		return r.Truncated
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, dns.ErrSig) &&
		!errors.Is(err, dns.ErrSecret) && !errors.Is(err, dns.ErrTime)
}

// acknowledges checks that r acknowledges NOTIFY m.
func acknowledges(m, r *dns.Msg) error {
	switch {
	case !r.Response || r.Opcode != dns.OpcodeNotify:
		return fmt.Errorf("not a NOTIFY response (opcode %s)", dns.OpcodeToString[r.Opcode])
	case r.Rcode != dns.RcodeSuccess:
		if t := r.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
			return fmt.Errorf("%s, TSIG error %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[int(t.Error)])
		}
		return fmt.Errorf("%s", dns.RcodeToString[r.Rcode])
	case len(r.Question) != 1 || dns.CanonicalName(r.Question[0].Name) != dns.CanonicalName(m.Question[0].Name):
		return fmt.Errorf("response for another zone")
	case m.IsTsig() != nil && r.IsTsig() == nil:
		return fmt.Errorf("unsigned response to a signed NOTIFY")
	}
	return nil
}
