package access

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0" // base64

// serve starts a real UDP server on 127.0.0.1 that knows key xfr. and
// answers SOA questions as secondaryfeed would: Check, then the SOA or
// d.Reply.
func serve(t *testing.T, p Policy) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		key, status := RequestKey(context.Background(), w, r)
		remote := w.RemoteAddr().(*net.UDPAddr).AddrPort().Addr()
		d := p.Check(remote, key, status)
		m := d.Reply(r)
		if d.Allowed() {
			m.Authoritative = true
			m.Answer = []dns.RR{testSOA()}
		}
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: h, TsigSecret: map[string]string{"xfr.": secret}}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func testSOA() dns.RR {
	rr, _ := dns.NewRR("example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 7 3600 600 86400 300")
	return rr
}

// ask sends an SOA query for example.org, signed with name/secret at
// signedAt (0: now) when name is not "".
func ask(t *testing.T, addr, name, sec string, signedAt int64) (*dns.Msg, error) {
	t.Helper()
	q := new(dns.Msg).SetQuestion("example.org.", dns.TypeSOA)
	c := &dns.Client{Timeout: 2 * time.Second}
	if name != "" {
		q.SetTsig(name, dns.HmacSHA256, 300, signedAt)
		c.TsigSecret = map[string]string{name: sec}
	}
	r, _, err := c.Exchange(q, addr)
	if r == nil {
		t.Fatalf("no answer: %v", err)
	}
	return r, err
}

func TestReplyOverUDP(t *testing.T) {
	keyOnly := serve(t, Policy{Keys: []string{"xfr."}})
	byAddr := serve(t, Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	old := time.Now().Add(-time.Hour).Unix()
	for _, tc := range []struct {
		name, addr, key, secret string
		at                      int64
		rcode                   int
		tsig                    int // -1: no TSIG in the answer
		verifies                bool
	}{
		{"accepted key", keyOnly, "xfr.", secret, 0, dns.RcodeSuccess, dns.RcodeSuccess, true},
		{"wrong secret", keyOnly, "xfr.", "d3Jvbmd3cm9uZw==", 0, dns.RcodeNotAuth, dns.RcodeBadSig, false},
		{"unknown key", keyOnly, "nokey.", secret, 0, dns.RcodeNotAuth, dns.RcodeBadKey, false},
		{"stale time", keyOnly, "xfr.", secret, old, dns.RcodeNotAuth, dns.RcodeBadTime, false},
		{"unsigned, key required", keyOnly, "", "", 0, dns.RcodeNotAuth, -1, true},
		{"unsigned, source allowed", byAddr, "", "", 0, dns.RcodeSuccess, -1, true},
		{"signed, source allowed", byAddr, "xfr.", secret, 0, dns.RcodeSuccess, dns.RcodeSuccess, true},
	} {
		r, err := ask(t, tc.addr, tc.key, tc.secret, tc.at)
		if r.Rcode != tc.rcode || !r.Response || r.Opcode != dns.OpcodeQuery {
			t.Errorf("%s: rcode %s, flags %v", tc.name, dns.RcodeToString[r.Rcode], r.MsgHdr)
		}
		if (err == nil) != tc.verifies {
			t.Errorf("%s: client verification: %v", tc.name, err)
		}
		wantAnswer := 0
		if tc.rcode == dns.RcodeSuccess {
			wantAnswer = 1
		}
		if len(r.Answer) != wantAnswer || len(r.Ns) != 0 || r.Authoritative != (wantAnswer == 1) {
			t.Errorf("%s: answer %v, authority %v, aa %v", tc.name, r.Answer, r.Ns, r.Authoritative)
		}
		rt := r.IsTsig()
		switch {
		case tc.tsig < 0 && rt != nil, tc.tsig >= 0 && rt == nil:
			t.Errorf("%s: TSIG in answer %v", tc.name, rt)
		case rt != nil && int(rt.Error) != tc.tsig:
			t.Errorf("%s: TSIG error %d, want %d", tc.name, rt.Error, tc.tsig)
		case rt != nil && tc.tsig == dns.RcodeBadTime && (rt.TimeSigned != uint64(old) || rt.OtherLen != 6):
			t.Errorf("%s: BADTIME TSIG %v", tc.name, rt)
		case rt != nil && (tc.tsig == dns.RcodeBadKey || tc.tsig == dns.RcodeBadSig) && rt.MACSize != 0:
			t.Errorf("%s: a %d answer is signed: %v", tc.name, tc.tsig, rt)
		}
	}
}
