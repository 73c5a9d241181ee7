package sqlsecondary

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// limits bound what one primary can cost us.
type limits struct {
	timeout    time.Duration // a whole exchange or transfer
	idle       time.Duration // one read: a primary that trickles bytes is cut off
	maxRecords int
	maxBytes   int64
}

// client talks to primaries, over TCP only.
type client struct {
	limits
}

// querySOA asks addr for zone's SOA over TCP, signed with key when set.
func (c client) querySOA(ctx context.Context, addr, zone string, key *xfrmeta.Key) (*dns.SOA, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	cl := &dns.Client{Net: "tcp", Timeout: c.idle}
	if key != nil {
		cl.TsigSecret = map[string]string{key.Name: key.Secret}
		m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
	}
	in, _, err := cl.ExchangeContext(ctx, m, addr)
	if err != nil {
		return nil, err
	}
	if key != nil && in.IsTsig() == nil {
		return nil, errorf(reasonTSIG, "SOA answer not signed with key %s", key.Name)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeRefused:
		return nil, errorf(reasonRefused, "SOA query refused")
	case dns.RcodeNotAuth:
		return nil, errorf(reasonNotAuth, "SOA query: NOTAUTH")
	default:
		return nil, errorf(reasonRcode, "SOA query: %s", dns.RcodeToString[in.Rcode])
	}
	for _, rr := range in.Answer {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == zone {
			return soa, nil
		}
	}
	return nil, errorf(reasonMalformed, "no SOA for %s in the answer", zone)
}

// stream runs one AXFR or IXFR request m to addr and returns every record
// of the answer, in order. The whole transfer is bounded by c.timeout, each
// read by c.idle, the wire bytes by c.maxBytes and the records by
// c.maxRecords (plus the SOAs and difference markers an IXFR adds).
func (c client) stream(ctx context.Context, addr string, m *dns.Msg, key *xfrmeta.Key) ([]dns.RR, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{Timeout: c.idle}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := &countingConn{Conn: raw, max: c.maxBytes}
	// The transfer's reader blocks in Read: closing the connection is what
	// ends it when the whole-transfer deadline passes.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	t := &dns.Transfer{Conn: &dns.Conn{Conn: conn}, ReadTimeout: c.idle, WriteTimeout: c.idle}
	if key != nil {
		t.TsigSecret = map[string]string{key.Name: key.Secret}
		m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
	}
	env, err := t.In(m, addr)
	if err != nil {
		raw.Close()
		return nil, err
	}
	var (
		rrs  []dns.RR
		fail error
	)
	// Every envelope is read, even after a failure, so the transfer's
	// goroutine ends: it closes the channel after closing the connection.
	for e := range env {
		if fail != nil {
			continue
		}
		if e.Error != nil {
			fail = e.Error
			continue
		}
		rrs = append(rrs, e.RR...)
		if len(rrs) > c.maxRecords+2 && m.Question[0].Qtype == dns.TypeAXFR {
			fail = errorf(reasonTooLarge, "more than %d records", c.maxRecords)
			raw.Close()
		}
		if len(rrs) > 4*c.maxRecords+8 { // an IXFR repeats SOAs; still bounded
			fail = errorf(reasonTooLarge, "more than %d records", c.maxRecords)
			raw.Close()
		}
	}
	switch {
	case conn.over.Load():
		return nil, errorf(reasonTooLarge, "more than %d bytes", c.maxBytes)
	case ctx.Err() != nil && (fail == nil || !isXfrError(fail)):
		return nil, errorf(reasonTimeout, "transfer not done within %s", c.timeout)
	case conn.timedOut.Load() && fail != nil && !isXfrError(fail):
		// miekg/dns unpacks what a timed-out read got: the error says
		// malformed, but the primary was too slow.
		return nil, errorf(reasonTimeout, "no whole message from the primary within %s", c.idle)
	case errors.Is(fail, io.EOF) || errors.Is(fail, io.ErrUnexpectedEOF):
		return nil, errorf(reasonMalformed, "transfer cut off before its closing SOA")
	case fail != nil:
		return nil, fail
	}
	return rrs, nil
}

func isXfrError(err error) bool {
	var x *xfrError
	return errors.As(err, &x)
}

// countingConn fails reads once more than max bytes came in.
type countingConn struct {
	net.Conn
	n, max   int64
	over     atomic.Bool
	timedOut atomic.Bool // a read hit its deadline
}

var errTooManyBytes = errors.New("transfer larger than max_bytes")

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.timedOut.Store(true)
	}
	c.n += int64(n)
	if c.n > c.max {
		c.over.Store(true)
		c.Conn.Close()
		return n, errTooManyBytes
	}
	return n, err
}

// axfr pulls the whole zone from addr: its records, the SOA once.
func (c client) axfr(ctx context.Context, addr, zone string, key *xfrmeta.Key) (*pulled, error) {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	rrs, err := c.stream(ctx, addr, m, key)
	if err != nil {
		return nil, err
	}
	return parseAXFR(zone, rrs, c.maxRecords)
}

// ixfr asks addr for the differences since have. The primary may answer
// with the whole zone instead (RFC 1995 section 4), which is taken as an
// AXFR.
func (c client) ixfr(ctx context.Context, addr, zone string, key *xfrmeta.Key, have *dns.SOA) (*pulled, error) {
	m := new(dns.Msg)
	m.SetIxfr(zone, have.Serial, have.Ns, have.Mbox)
	rrs, err := c.stream(ctx, addr, m, key)
	if err != nil {
		return nil, err
	}
	return parseIXFR(zone, rrs, have.Serial, c.maxRecords)
}
