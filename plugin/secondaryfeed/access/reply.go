package access

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/coredns/coredns/plugin/tsig"
	"github.com/miekg/dns"
)

// RequestKey returns the TSIG key name of request r ("" when unsigned) and
// the server's verification of it. Where the stock tsig plugin sits above,
// it has verified the TSIG and removed it from r: its context says the key.
func RequestKey(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (string, error) {
	if t := r.IsTsig(); t != nil {
		return dns.CanonicalName(t.Hdr.Name), w.TsigStatus()
	}
	if name, ok := tsig.ValidatedKeyName(ctx); ok {
		return dns.CanonicalName(name), nil
	}
	return "", nil
}

// Reply builds the answer to a request refused by d. A signed request gets a
// TSIG with d's error: the server's writer leaves it unsigned for BADKEY and
// BADSIG and signs it otherwise (RFC 8945 5.3.2); for BADTIME it carries the
// request's time and, in Other Data, the server's (RFC 8945 5.2.3).
func (d Decision) Reply(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg).SetRcode(req, d.Rcode)
	t := req.IsTsig()
	if t == nil {
		return m
	}
	rt := &dns.TSIG{
		Hdr:        dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm:  t.Algorithm,
		Fudge:      t.Fudge,
		OrigId:     m.Id,
		TimeSigned: uint64(time.Now().Unix()),
		Error:      d.TSIGError,
	}
	if d.TSIGError == dns.RcodeBadTime {
		rt.TimeSigned = t.TimeSigned
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, uint64(time.Now().Unix()))
		rt.OtherData, rt.OtherLen = hex.EncodeToString(b[2:]), 6
	}
	m.Extra = append(m.Extra, rt)
	return m
}
