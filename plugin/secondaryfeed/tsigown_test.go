package secondaryfeed

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
)

const (
	sqlSecret   = "c3FsLW9ubHktc3FsLW9ubHktc3FsLW9ubHktc3FsLW9ubHk="
	knownSecret = "a25vd24ta25vd24ta25vd24ta25vd24ta25vd24ta25vd24="
	wrongSecret = "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc="
)

// keyed is a data plugin's settings: zones, and the keys of its tsigkeys table.
type keyed struct {
	meta
	keys map[string]xfrmeta.Key
}

func (k keyed) TSIGKey(name string) (xfrmeta.Key, bool) {
	key, ok := k.keys[dns.CanonicalName(name)]
	return key, ok
}

// tsigServer serves a feed of example.org (a 2,000-record zone: a multi-message AXFR)
// through a real miekg/dns server on loopback, TCP and UDP, whose TSIG secrets are
// secrets (CoreDNS's server has a map even without keys). The zone accepts the keys
// sql.key. (in the data plugin only) and known.key. (the server's).
func tsigServer(t *testing.T, secrets map[string]string) (addr string) {
	t.Helper()
	f, z := testFeed(t, fileSource(t, zoneText(7, 2000)))
	f.build(context.Background(), z, true)
	src := keyed{
		meta: meta{"example.org.": {Keys: []string{"sql.key.", "known.key."}}},
		keys: map[string]xfrmeta.Key{
			"sql.key.":   {Name: "sql.key.", Algorithm: dns.HmacSHA256, Secret: sqlSecret},
			"known.key.": {Name: "known.key.", Algorithm: dns.HmacSHA256, Secret: wrongSecret}, // the server's wins
		},
	}
	f.gate = &gate{corefile: access.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}, meta: []xfrmeta.Source{src}}
	f.Allow = f.gate
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { f.ServeDNS(context.Background(), w, r) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	for _, s := range []*dns.Server{{Listener: ln, Handler: h, TsigSecret: secrets}, {PacketConn: pc, Handler: h, TsigSecret: secrets}} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
		t.Cleanup(func() { s.Shutdown() })
	}
	return ln.Addr().String()
}

// transferIn runs m (signed with key and secret) through dns.Transfer, which verifies
// every message's TSIG, and returns the records and the number of messages.
func transferIn(t *testing.T, addr string, m *dns.Msg, key, secret string) ([]dns.RR, int, error) {
	t.Helper()
	m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{key: secret}}
	envs, err := tr.In(m, addr)
	if err != nil {
		return nil, 0, err
	}
	var rrs []dns.RR
	n := 0
	for env := range envs {
		if env.Error != nil {
			return rrs, n, env.Error
		}
		n++
		rrs = append(rrs, env.RR...)
	}
	return rrs, n, nil
}

// A key only the data plugin has verifies the request and signs every reply: a
// multi-message AXFR, an IXFR whose SOA the client compressed, the apex SOA over UDP. The
// server's own key keeps the server's path.
func TestOwnTSIGSigns(t *testing.T) {
	addr := tsigServer(t, map[string]string{"known.key.": knownSecret})
	rrs, n, err := transferIn(t, addr, new(dns.Msg).SetAxfr("example.org."), "sql.key.", sqlSecret)
	if err != nil || n < 2 || len(rrs) != 2004 {
		t.Fatalf("AXFR with the SQL key: %d records in %d messages, %v; want 2004 in several", len(rrs), n, err)
	}
	if s, ok := rrs[0].(*dns.SOA); !ok || s.Serial != 7 || rrs[len(rrs)-1].String() != rrs[0].String() {
		t.Errorf("AXFR not framed by the SOA: %v ... %v", rrs[0], rrs[len(rrs)-1])
	}

	ixfr := new(dns.Msg).SetIxfr("example.org.", 7, "ns1.example.org.", "hostmaster.example.org.")
	ixfr.Compress = true // as BIND and Knot send it: the SOA's names point into the question
	rrs, n, err = transferIn(t, addr, ixfr, "sql.key.", sqlSecret)
	if err != nil || n != 1 || len(rrs) != 1 || rrs[0].(*dns.SOA).Serial != 7 {
		t.Errorf("up-to-date IXFR (compressed request): %v in %d messages, %v", rrs, n, err)
	}

	c := &dns.Client{Net: "udp", TsigSecret: map[string]string{"sql.key.": sqlSecret}, Timeout: 5 * time.Second}
	q := new(dns.Msg).SetQuestion("example.org.", dns.TypeSOA)
	q.SetTsig("sql.key.", dns.HmacSHA256, 300, time.Now().Unix())
	r, _, err := c.Exchange(q, addr) // verifies the answer's TSIG
	if err != nil || r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 || len(r.Ns) != 1 || r.IsTsig() == nil {
		t.Errorf("signed SOA: %v, %v", r, err)
	}

	// known.key. is the server's: its secret, not the data plugin's, verifies and signs.
	if _, n, err := transferIn(t, addr, new(dns.Msg).SetAxfr("example.org."), "known.key.", knownSecret); err != nil || n < 2 {
		t.Errorf("AXFR with the server's key: %d messages, %v", n, err)
	}
	// Signed with the data plugin's secret for known.key.: the server's secret decides.
	stale := refusal{"the server's key, the data plugin's secret", "known.key.", dns.HmacSHA256, wrongSecret, 0, dns.RcodeBadSig, false}
	stale.check(t, addr, "tcp", dns.TypeAXFR)
	stale.check(t, addr, "udp", dns.TypeSOA)
}

// A request signed with the SQL key's name but not its secret, out of time, with
// another algorithm, or with a key no one has gets NOTAUTH and the TSIG error; only the
// BADTIME answer is signed (RFC 8945 5.3.2).
func TestOwnTSIGRefuses(t *testing.T) {
	addr := tsigServer(t, map[string]string{})
	for _, tc := range []refusal{
		{"wrong secret", "sql.key.", dns.HmacSHA256, wrongSecret, 0, dns.RcodeBadSig, false},
		{"out of time", "sql.key.", dns.HmacSHA256, sqlSecret, -time.Hour, dns.RcodeBadTime, true},
		{"other algorithm", "sql.key.", dns.HmacSHA512, sqlSecret, 0, dns.RcodeBadKey, false},
		{"unknown key", "nobody.key.", dns.HmacSHA256, sqlSecret, 0, dns.RcodeBadKey, false},
	} {
		tc.check(t, addr, "tcp", dns.TypeAXFR)
		tc.check(t, addr, "udp", dns.TypeSOA)
	}
}

// refusal is a request signed so that it must get NOTAUTH with tsigErr.
type refusal struct {
	name, key, alg, secret string
	skew                   time.Duration // of the time signed
	tsigErr                uint16
	signed                 bool // whether the answer's TSIG has a MAC
}

// check asks qtype for example.org over network, signed as r says, and wants NOTAUTH with
// r's TSIG error and nothing else.
func (r refusal) check(t *testing.T, addr, network string, qtype uint16) {
	t.Helper()
	what := r.name + " " + dns.TypeToString[qtype]
	co, err := dns.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	co.SetDeadline(time.Now().Add(10 * time.Second))
	co.TsigSecret = map[string]string{r.key: r.secret}
	m := new(dns.Msg).SetQuestion("example.org.", qtype)
	m.SetTsig(r.key, r.alg, 300, time.Now().Add(r.skew).Unix())
	if err := co.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	resp, _ := co.ReadMsg() // its TSIG does not verify: BADSIG has no MAC, BADTIME the request's time
	if resp == nil || resp.Rcode != dns.RcodeNotAuth || !resp.Response || len(resp.Answer)+len(resp.Ns) != 0 || len(resp.Extra) != 1 {
		t.Errorf("%s: %v", what, resp)
		return
	}
	ts := resp.IsTsig()
	if ts == nil || ts.Error != r.tsigErr || (ts.MAC != "") != r.signed || ts.Hdr.Name != r.key {
		t.Errorf("%s: TSIG %v, want error %s, signed %v", what, ts, dns.RcodeToString[int(r.tsigErr)], r.signed)
	}
}

// verifyRequest accepts a request packed either way, and only with the key's secret.
func TestVerifyRequestPackings(t *testing.T) {
	key := xfrmeta.Key{Name: "sql.key.", Algorithm: dns.HmacSHA256, Secret: sqlSecret}
	for _, compress := range []bool{false, true} {
		m := new(dns.Msg).SetIxfr("example.org.", 7, "ns1.example.org.", "hostmaster.example.org.")
		m.SetEdns0(1232, false)
		m.Compress = compress
		m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
		buf, _, err := dns.TsigGenerate(m, key.Secret, "", false)
		if err != nil {
			t.Fatal(err)
		}
		r := new(dns.Msg)
		if err := r.Unpack(buf); err != nil {
			t.Fatal(err)
		}
		if err := verifyRequest(r, key); err != nil {
			t.Errorf("compress %v: %v", compress, err)
		}
		other := key
		other.Secret = wrongSecret
		if err := verifyRequest(r, other); err != dns.ErrSig {
			t.Errorf("compress %v, wrong secret: %v, want ErrSig", compress, err)
		}
	}
}
