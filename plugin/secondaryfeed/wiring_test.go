package secondaryfeed

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	_ "github.com/hostdns/hostdns/plugin/pkg/rrtypes" // ALIAS in zone text
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
)

// fileZone is the stock file plugin serving text as origin.
func fileZone(t testing.TB, origin, text string) file.File {
	t.Helper()
	z, err := file.Parse(strings.NewReader(text), origin, "db", 0)
	if err != nil {
		t.Fatal(err)
	}
	return file.File{Zones: file.Zones{Z: map[string]*file.Zone{origin: z}, Names: []string{origin}}}
}

const aliasZone = `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster %s 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN ALIAS target.example.net.
`

// checkedFeed is a feed of example.org whose pipeline is the checker. The chain below is
// the file plugin answering www.example.org A as the alias plugin would (192.0.2.7, TTL
// 120): flatten asks the chain for the ALIAS owner's addresses.
func checkedFeed(t *testing.T, src string) (*Feed, *zone) {
	f, z := testFeed(t, fileZone(t, "example.org.", src))
	f.Next = fileZone(t, "example.org.", "$ORIGIN example.org.\n@ 3600 IN SOA ns hm 1 2 3 4 5\nwww 120 IN A 192.0.2.7\n")
	f.checker = newChecker(f.next, flatten.NewMemory())
	f.Pipeline = []Step{f.checker.step}
	return f, z
}

// The checker flattens ALIAS to what the chain answers, and an invalid source keeps
// the last valid version, with a report and a counted failure.
func TestCheckerFlattensAndKeepsValid(t *testing.T) {
	f, z := checkedFeed(t, strings.Replace(aliasZone, "%s", "5", 1))
	ctx := context.Background()
	if d := f.build(ctx, z, true); d <= 0 || d > 120*time.Second {
		t.Errorf("refresh %s, want the target's TTL clamped to [30s, 120s]", d)
	}
	v := z.cur.Load()
	if v == nil || v.Serial != 5 {
		t.Fatalf("version %v", v)
	}
	var a *dns.A
	for _, rr := range v.RRs {
		if rr.Header().Name == "www.example.org." {
			a, _ = rr.(*dns.A)
		}
	}
	if a == nil || a.A.String() != "192.0.2.7" || len(v.RRs) != 4 {
		t.Fatalf("flattened %v", v.RRs)
	}
	failures := testutil.ToFloat64(validationFailures)
	bad := strings.Replace(aliasZone, "%s", "6", 1) + "@ 300 IN CNAME elsewhere.example.net.\n"
	f.sources[0] = fileZone(t, "example.org.", bad)
	f.build(ctx, z, true)
	if z.cur.Load().Serial != 5 {
		t.Errorf("an invalid zone was fed: serial %d", z.cur.Load().Serial)
	}
	if d := testutil.ToFloat64(validationFailures) - failures; d != 1 {
		t.Errorf("validation failures +%v, want +1", d)
	}
	reps := f.reports()
	if len(reps) != 1 || reps[0].Serial != 6 || !report.HasErrors(reps[0].Problems) {
		t.Errorf("reports %+v", reps)
	}
	if err := f.checker.forget(ctx, "example.org."); err != nil || len(f.reports()) != 0 {
		t.Errorf("forget: %v, %d reports left", err, len(f.reports()))
	}
}

// tsigWriter is a TCP test writer whose request's TSIG failed verification.
type tsigWriter struct {
	recorder
	status error
}

func (w *tsigWriter) TsigStatus() error { return w.status }

// meta is a table of zones' transfer settings, as sqlbackend keeps them.
type meta map[string]xfrmeta.Zone

func (m meta) XfrMeta(z string) (xfrmeta.Zone, bool) { v, ok := m[z]; return v, ok }
func (m meta) TSIGKey(string) (xfrmeta.Key, bool)    { return xfrmeta.Key{}, false }

// The gate refuses sources not allowed, answers NOTAUTH with the TSIG error to a bad
// signature and allows a source the SQL layer lists.
func TestTransferAccess(t *testing.T) {
	f, z := testFeed(t, fileSource(t, zoneText(7, 1)))
	g := &gate{corefile: access.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}}
	f.Allow = g
	f.build(context.Background(), z, true)
	axfr := func(w interface {
		dns.ResponseWriter
		last() *dns.Msg
	}, signed bool) *dns.Msg {
		m := new(dns.Msg)
		m.SetAxfr("example.org.")
		if signed {
			m.SetTsig("xfr.key.", dns.HmacSHA256, 300, time.Now().Unix())
		}
		f.ServeDNS(context.Background(), w, m)
		return w.last()
	}
	w := &recorder{ResponseWriter: test.ResponseWriter{TCP: true}} // from 10.240.0.1
	if r := axfr(w, false); r.Rcode != dns.RcodeRefused || len(r.Answer) != 0 {
		t.Errorf("not allowed: %v", r)
	}
	tw := &tsigWriter{recorder: recorder{ResponseWriter: test.ResponseWriter{TCP: true}}, status: dns.ErrSig}
	r := axfr(tw, true)
	if ts := r.IsTsig(); r.Rcode != dns.RcodeNotAuth || ts == nil || ts.Error != dns.RcodeBadSig {
		t.Errorf("bad signature: %v", r)
	}
	g.meta = []xfrmeta.Source{meta{"example.org.": {Allow: []netip.Prefix{netip.MustParsePrefix("10.240.0.0/16")}}}}
	w = &recorder{ResponseWriter: test.ResponseWriter{TCP: true}}
	axfr(w, false)
	if n := len(w.answers()); n != 5 {
		t.Errorf("allowed by SQL: %d records, want 5", n)
	}
}

func (r *recorder) last() *dns.Msg {
	if len(r.msgs) == 0 {
		return new(dns.Msg)
	}
	return r.msgs[len(r.msgs)-1]
}

// A new version is NOTIFYed, signed with the zone's key and with the SOA in the
// answer section, to a real server that verifies the signature.
func TestNotifySigned(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	key := xfrmeta.Key{Name: "xfr.key.", Algorithm: dns.HmacSHA256, Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ="}
	got := make(chan *dns.Msg, 4)
	addr, stop := notifyServer(t, key, got)
	defer stop()
	f, z := testFeed(t, fileSource(t, zoneText(7, 1)))
	f.gate = &gate{corefile: access.Policy{NotifyTo: []string{addr}, NotifyKey: key.Name}, keys: map[string]xfrmeta.Key{key.Name: key}}
	acked := testutil.ToFloat64(notifies.WithLabelValues("acked"))
	f.start()
	defer f.stop()
	defer func() {
		waitUntil(5*time.Second, func() bool { return testutil.ToFloat64(notifies.WithLabelValues("acked")) != acked })
		if testutil.ToFloat64(notifies.WithLabelValues("acked")) != acked+1 {
			t.Error("the acknowledged NOTIFY was not counted")
		}
	}()
	select {
	case m := <-got:
		soa, ok := m.Answer[0].(*dns.SOA)
		if m.Opcode != dns.OpcodeNotify || !ok || soa.Serial != z.cur.Load().Serial || m.IsTsig() == nil {
			t.Errorf("NOTIFY %v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no NOTIFY in 5s")
	}
}

// notifyServer answers verified NOTIFYs on a free UDP port of 127.0.0.1 and sends them
// to got, until stop.
func notifyServer(t *testing.T, key xfrmeta.Key, got chan<- *dns.Msg) (addr string, stop func()) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, TsigSecret: map[string]string{key.Name: key.Secret}}
	srv.Handler = dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		if r.IsTsig() == nil || w.TsigStatus() != nil {
			m.Rcode = dns.RcodeNotAuth
		} else {
			m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
			select {
			case got <- r:
			default:
			}
		}
		w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	return pc.LocalAddr().String(), func() { srv.Shutdown() }
}

// The report server serves the reports, and stop frees its address (a reload's next
// instance listens there) and leaves no goroutine.
func TestReportServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	reps := []report.Report{{Zone: "example.org.", Serial: 3, Problems: []report.Problem{{Name: "@", Type: "CNAME", Rule: "cname-apex", Severity: report.Error}}}}
	s := &reportServer{addr: "127.0.0.1:0", reports: func() []report.Report { return reps }}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + s.bound + "/?zone=example.org")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(mustJSON(body)), "cname-apex") {
		t.Errorf("report: %d %v %v", resp.StatusCode, body, err)
	}
	bound := s.bound
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", bound)
	if err != nil {
		t.Fatalf("address not freed: %v", err)
	}
	ln.Close()
	if _, err := c.Get("http://" + bound + "/"); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("still serving after stop: %v", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var _ plugin.Handler = file.File{}

// The catalog zone lists the other fed zones (RFC 9432 v2) once they have a version to serve,
// and is built and served like them.
func TestCatalogZone(t *testing.T) {
	f, org := testFeed(t, fileSource(t, zoneText(7, 1)))
	f.replaceZones([]*zone{newZone("example.net.")}, nil) // no source serves it: never built
	f.addCatalog("Catalog.Invalid")
	c := f.zone("catalog.invalid.")
	ctx := context.Background()
	f.build(ctx, c, true)
	if v := c.cur.Load(); v == nil || v.Serial != 1 || len(catalogPTRs(v)) != 0 {
		t.Fatalf("catalog before any member was built: %v", v)
	}

	f.build(ctx, org, true)
	select {
	case <-c.trigger:
	default:
		t.Fatal("example.org.'s first version did not ask for a catalog build")
	}
	f.build(ctx, c, true)
	v := c.cur.Load()
	if got := catalogPTRs(v); !slices.Equal(got, []string{"example.org."}) || v.Serial != 2 {
		t.Errorf("catalog serial %d members %v, want 2 [example.org.] (example.net. is not built)", v.Serial, got)
	}
	if d := f.build(ctx, c, false); d != 0 || c.cur.Load() != v {
		t.Errorf("a poll rebuilt the catalog")
	}
}

func catalogPTRs(v *journal.Version) []string {
	var out []string
	for _, rr := range v.RRs {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, p.Ptr)
		}
	}
	slices.Sort(out)
	return out
}
