package secondaryfeed

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// recorder keeps every message written: a transfer writes several.
type recorder struct {
	test.ResponseWriter
	msgs []*dns.Msg
}

func (r *recorder) WriteMsg(m *dns.Msg) error { r.msgs = append(r.msgs, m); return nil }

func (r *recorder) answers() []dns.RR {
	var out []dns.RR
	for _, m := range r.msgs {
		out = append(out, m.Answer...)
	}
	return out
}

// fileSource is the stock file plugin serving text as example.org: a real Transferer.
func fileSource(t testing.TB, text string) transfer.Transferer {
	t.Helper()
	z, err := file.Parse(strings.NewReader(text), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	return file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": z}, Names: []string{"example.org."}}}
}

func zoneText(serial int, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN example.org.\n@ 3600 IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n", serial)
	for i := range n {
		fmt.Fprintf(&b, "t%05d 300 IN TXT \"%s\"\n", i, strings.Repeat("y", 100))
	}
	return b.String()
}

func testFeed(t testing.TB, src transfer.Transferer) (*Feed, *zone) {
	f := newFeed([]string{"example.org"})
	f.Store = journal.NewMemory(journal.Options{})
	f.sources = []transfer.Transferer{src}
	f.Allow = &gate{corefile: access.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}}
	return f, f.zone("example.org.")
}

func TestBuildAndAXFR(t *testing.T) {
	f, z := testFeed(t, fileSource(t, zoneText(7, 2000)))
	published := testutil.ToFloat64(builds.WithLabelValues("published"))
	axfrOK := testutil.ToFloat64(transfers.WithLabelValues("axfr", "ok", "cidr:0.0.0.0/0"))
	f.build(context.Background(), z, true)
	v := z.cur.Load()
	if v == nil || v.Serial != 7 || len(v.RRs) != 2003 {
		t.Fatalf("built %v", v)
	}
	w := &recorder{ResponseWriter: test.ResponseWriter{TCP: true}}
	m := new(dns.Msg)
	m.SetAxfr("example.org.")
	if rc, err := f.ServeDNS(context.Background(), w, m); rc != dns.RcodeSuccess || err != nil {
		t.Fatalf("AXFR: %d %v", rc, err)
	}
	got := w.answers()
	if len(got) != 2004 || got[0].(*dns.SOA).Serial != 7 || got[2003].(*dns.SOA).Serial != 7 {
		t.Fatalf("AXFR: %d records", len(got))
	}
	for i, msg := range w.msgs {
		if l := msg.Len(); l > dns.MaxMsgSize {
			t.Errorf("message %d is %d bytes", i, l)
		}
	}
	if len(w.msgs) < 4 {
		t.Errorf("%d messages for ~250 KB", len(w.msgs))
	}
	if d := testutil.ToFloat64(builds.WithLabelValues("published")) - published; d != 1 {
		t.Errorf("builds_total{published} grew by %v, want 1", d)
	}
	if d := testutil.ToFloat64(transfers.WithLabelValues("axfr", "ok", "cidr:0.0.0.0/0")) - axfrOK; d != 1 {
		t.Errorf("transfers_total{axfr,ok} grew by %v, want 1", d)
	}
	if s := testutil.ToFloat64(serialGauge.WithLabelValues("example.org.")); s != 7 {
		t.Errorf("serial gauge %v, want 7", s)
	}

	// Over UDP, AXFR is refused.
	u := &recorder{}
	f.ServeDNS(context.Background(), u, m)
	if len(u.msgs) != 1 || u.msgs[0].Rcode != dns.RcodeRefused || len(u.msgs[0].Answer) != 0 {
		t.Errorf("AXFR over UDP: %v", u.msgs)
	}
}

// A pipeline step that fails keeps the last version served; its refresh is returned.
func TestBuildPipelineError(t *testing.T) {
	f, z := testFeed(t, fileSource(t, zoneText(7, 1)))
	f.build(context.Background(), z, true)
	f.Pipeline = []Step{
		func(_ context.Context, _ string, rrs []dns.RR) ([]dns.RR, time.Duration, error) {
			return rrs[:1], time.Minute, nil
		},
		func(context.Context, string, []dns.RR) ([]dns.RR, time.Duration, error) {
			return nil, 0, errors.New("invalid zone")
		},
	}
	if d := f.build(context.Background(), z, true); d != time.Minute {
		t.Errorf("refresh %s, want 1m", d)
	}
	if v := z.cur.Load(); v.Serial != 7 || len(v.RRs) != 4 {
		t.Errorf("after a failed build: serial %d, %d records", v.Serial, len(v.RRs))
	}
	f.Pipeline = f.Pipeline[:1]
	f.build(context.Background(), z, true)
	if v := z.cur.Load(); v.Serial != 8 || len(v.RRs) != 1 {
		t.Errorf("after the step's change: serial %d, %d records, want 8 and the SOA alone", v.Serial, len(v.RRs))
	}
}

func TestBuildNoSource(t *testing.T) {
	f, z := testFeed(t, file.File{Zones: file.Zones{Z: map[string]*file.Zone{}}})
	f.build(context.Background(), z, true)
	if z.cur.Load() != nil {
		t.Error("a zone without source got a version")
	}
	w := &recorder{ResponseWriter: test.ResponseWriter{TCP: true}}
	m := new(dns.Msg)
	m.SetAxfr("example.org.")
	if rc, _ := f.ServeDNS(context.Background(), w, m); rc != dns.RcodeServerFailure {
		t.Errorf("AXFR before any version: rcode %d", rc)
	}
}

func TestBatches(t *testing.T) {
	rr := func(n int) dns.RR {
		return &dns.TXT{Hdr: dns.RR_Header{Name: "a.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{strings.Repeat("z", n)}}
	}
	big := rr(250) // 266 bytes of wire
	part := make([]dns.RR, 1000)
	for i := range part {
		part[i] = big
	}
	var sizes []int
	total := 0
	batches([][]dns.RR{{rr(1)}, part, {rr(1)}}, func(rrs []dns.RR) error {
		n := 0
		for _, r := range rrs {
			n += dns.Len(r)
		}
		if n > batchBytes {
			t.Errorf("batch of %d bytes", n)
		}
		sizes = append(sizes, n)
		total += len(rrs)
		return nil
	})
	if total != 1002 || len(sizes) != 5 {
		t.Errorf("%d records in batches %v", total, sizes)
	}
	stop := errors.New("stop")
	if err := batches([][]dns.RR{part}, func([]dns.RR) error { return stop }); err != stop {
		t.Errorf("emit error not returned: %v", err)
	}
}

// Notify coalesces and ignores zones not fed; the loops end on stop.
func TestLoopsStop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	f, z := testFeed(t, fileSource(t, zoneText(7, 1)))
	f.Poll = 10 * time.Millisecond
	f.start()
	for range 5 {
		f.Notify("EXAMPLE.org")
		f.Notify("other.org.")
	}
	waitUntil(5*time.Second, func() bool { return z.cur.Load() != nil })
	if !f.Ready() {
		t.Error("not ready with every zone built")
	}
	f.stop()
}

// The poll asks the source with its last serial: nothing is built while it stays, a
// new source serial is built and published.
func TestPollFollowsSourceSerial(t *testing.T) {
	src := fileSource(t, zoneText(7, 1)).(file.File)
	f, z := testFeed(t, src)
	ctx := context.Background()
	f.build(ctx, z, true)
	unchanged := testutil.ToFloat64(builds.WithLabelValues("unchanged"))
	f.build(ctx, z, false)
	if d := testutil.ToFloat64(builds.WithLabelValues("unchanged")) - unchanged; d != 0 {
		t.Errorf("a poll at the same source serial built the zone (%v unchanged builds)", d)
	}
	nz, err := file.Parse(strings.NewReader(zoneText(9, 2)), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	src.Z["example.org."] = nz
	f.build(ctx, z, false)
	if v := z.cur.Load(); v.Serial != 9 || len(v.RRs) != 5 {
		t.Errorf("after the source moved to 9: serial %d, %d records", v.Serial, len(v.RRs))
	}
}

// waitUntil polls cond until it holds or limit has passed; the caller asserts
// what it needs afterwards.
func waitUntil(limit time.Duration, cond func() bool) {
	for deadline := time.Now().Add(limit); !cond() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}
