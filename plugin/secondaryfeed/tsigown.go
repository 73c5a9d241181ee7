package secondaryfeed

import (
	"errors"

	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// The CoreDNS server verifies a request's TSIG, and signs the replies, with the secrets
// it was made with; it never reads new ones. A key added to (or first named in) SQL's
// tsigkeys after start-up is unknown to it: TsigStatus says dns.ErrSecret. For the
// replies secondaryfeed writes itself (AXFR, IXFR, the apex SOA) it does that TSIG work
// itself with the data plugin's key, so such a key works as soon as the data plugin has
// read it, without a reload. Keys the server knows keep the server's path.

// ownTSIG returns state with its writer replaced by a ownWriter when the request is
// signed with a key the server does not know and the block's data plugin does; else
// state as it is.
func (f *Feed) ownTSIG(state request.Request) request.Request {
	t := state.Req.IsTsig()
	if t == nil || f.gate == nil || !errors.Is(state.W.TsigStatus(), dns.ErrSecret) {
		return state
	}
	key, ok := f.gate.dataKey(t.Hdr.Name)
	if !ok {
		return state
	}
	w := &ownWriter{ResponseWriter: state.W, secret: key.Secret, mac: t.MAC}
	w.status = verifyRequest(state.Req, key)
	return request.Request{W: w, Req: state.Req}
}

// verifyRequest checks r's TSIG with key as the server would (MAC, then time within the
// fudge: dns.TsigVerify). The server verifies the bytes received; we only have the parsed
// message, so we pack it again. Unpacking keeps every field the MAC covers (header bits,
// names' case, EDNS options in order), but not whether names were compressed: the MAC
// covers the bytes as the client sent them. An AXFR or SOA query has nothing to compress
// (one name); an IXFR's SOA in the authority section does: BIND, Knot and dig compress
// it, NSD and miekg/dns's client do not. So both packings are tried; either may verify.
func verifyRequest(r *dns.Msg, key xfrmeta.Key) error {
	t := r.IsTsig()
	if dns.CanonicalName(t.Algorithm) != key.Algorithm {
		return dns.ErrKeyAlg // RFC 8945 5.2.1: the key is known under another algorithm
	}
	var err error
	for _, compress := range []bool{false, true} {
		m := r.Copy()
		m.Compress = compress
		buf, perr := m.Pack()
		if perr != nil {
			return perr
		}
		if err = dns.TsigVerify(buf, key.Secret, "", false); !errors.Is(err, dns.ErrSig) {
			return err // valid, or a valid MAC out of time (ErrTime)
		}
	}
	return err
}

// ownWriter stands in for the server's TSIG handling of one request, with a key the
// server does not have: TsigStatus is our verification, and WriteMsg signs a message that
// carries a TSIG as miekg/dns's server does (RFC 8945 5.3: the first reply's MAC covers
// the request's MAC; on a multi-message transfer each following one covers the previous
// reply's MAC and, with TsigTimersOnly, the TSIG timers only, 5.3.1), then writes the
// bytes: handing the server a TSIG to sign would fail, its secrets lack the key.
type ownWriter struct {
	dns.ResponseWriter
	secret     string
	status     error
	mac        string // the MAC the next signature chains from: the request's, then each reply's
	timersOnly bool
}

// TsigStatus implements dns.ResponseWriter: our verification of the request.
func (w *ownWriter) TsigStatus() error { return w.status }

// TsigTimersOnly implements dns.ResponseWriter.
func (w *ownWriter) TsigTimersOnly(b bool) { w.timersOnly = b }

// WriteMsg implements dns.ResponseWriter. A BADKEY or BADSIG reply has nothing to sign,
// its TSIG goes without a MAC (RFC 8945 5.3.2): the server writes it as for its own keys,
// and the writers above (log, metrics, dnstap) see the message, which they do not for the
// bytes written here.
func (w *ownWriter) WriteMsg(m *dns.Msg) error {
	if t := m.IsTsig(); t == nil || t.Error == dns.RcodeBadKey || t.Error == dns.RcodeBadSig {
		return w.ResponseWriter.WriteMsg(m)
	}
	buf, mac, err := dns.TsigGenerate(m, w.secret, w.mac, w.timersOnly)
	if err != nil {
		return err
	}
	w.mac = mac
	_, err = w.ResponseWriter.Write(buf)
	return err
}
