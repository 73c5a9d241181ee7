package zone

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
)

// The differential test builds a file.Zone and a Zone from the same records
// and asks both the same queries. Where file breaks an RFC, a named deviation
// (below) turns file's answer into what the RFC asks, citing the section;
// every other answer must be the same to the record, order and TTL included.
//
// file chases a CNAME whose target it does not hold (or any target, for NS)
// through its upstream, which asks the server again. Here that server is
// fileServer: file's Lookup over the same file.Zones, as a CoreDNS server
// whose only plugin is file answers. The engine's Chaser is servedZones, the
// same zones as Zones, with nothing outside them (External answers nothing,
// like that server for a name outside its zones, which writes no reply).

// fileServer answers as a CoreDNS server with the file plugin alone.
type fileServer []*file.Zone

func (s fileServer) zone(name string) *file.Zone {
	var best *file.Zone
	for _, z := range s {
		if o, _ := z.ApexIfDefined(); len(o) > 0 && dns.IsSubDomain(o[0].Header().Name, name) {
			if best == nil || dns.CountLabel(o[0].Header().Name) > dns.CountLabel(bestOrigin(best)) {
				best = z
			}
		}
	}
	return best
}

func bestOrigin(z *file.Zone) string {
	o, _ := z.ApexIfDefined()
	return o[0].Header().Name
}

// Lookup is file's upstream: it asks the server again, as file's ServeDNS
// would answer.
func (s fileServer) Lookup(ctx context.Context, state request.Request, name string, typ uint16) (*dns.Msg, error) {
	z := s.zone(name)
	if z == nil {
		return nil, nil // REFUSED, not written
	}
	req := state.NewWithQuestion(name, typ)
	answer, ns, extra, result := z.Lookup(ctx, req, strings.ToLower(name))
	m := new(dns.Msg)
	m.SetReply(req.Req)
	m.Answer, m.Ns, m.Extra = answer, ns, extra
	switch result {
	case file.NameError:
		m.Rcode = dns.RcodeNameError
	case file.ServerFailure:
		if len(answer) == 0 {
			return nil, nil
		}
		m.Rcode = dns.RcodeServerFailure
	}
	return m, nil
}

// servedZones is the engine's Chaser over a set of Zones.
type servedZones []*Zone

func (s servedZones) Zone(name string) *Zone {
	var best *Zone
	for _, z := range s {
		if dns.IsSubDomain(z.Origin(), name) && (best == nil || dns.CountLabel(z.Origin()) > dns.CountLabel(best.Origin())) {
			best = z
		}
	}
	return best
}

func (s servedZones) External(context.Context, string, uint16) (*dns.Msg, error) { return nil, nil }

// fileLookup asks file's Lookup.
func fileLookup(fz *file.Zone, q Query) Answer {
	m := new(dns.Msg)
	m.SetQuestion(q.Name, q.Type)
	if q.DO {
		m.SetEdns0(4096, true)
	}
	state := request.Request{W: &test.ResponseWriter{}, Req: m}
	a, ns, ex, r := fz.Lookup(context.Background(), state, q.Name)
	res := map[file.Result]Result{file.Success: Success, file.NoData: NoData, file.NameError: NameError,
		file.Delegation: Delegation, file.ServerFailure: ServerFailure}[r]
	return Answer{Answer: a, Ns: ns, Extra: ex, Result: res}
}

// diff is one zone served both ways.
type diff struct {
	origin string
	fz     *file.Zone
	z      *Zone
	owners map[string]bool // the owner names of the records, lower case
	hits   map[string]int  // deviation name -> times applied
}

func newDiff(t *testing.T, origin string, rrs []dns.RR) *diff {
	fz := file.NewZone(origin, "")
	for _, rr := range copyRRs(rrs) {
		if err := fz.Insert(rr); err != nil {
			t.Fatal(err)
		}
	}
	fz.Upstream = fileServer{fz}
	d := &diff{origin: origin, fz: fz, z: build(t, origin, copyRRs(rrs)), owners: map[string]bool{}, hits: map[string]int{}}
	for _, rr := range rrs {
		n, _ := canonicalName(rr.Header().Name)
		d.owners[n] = true
	}
	return d
}

// isENT reports whether name has no records but names below it do.
func (d *diff) isENT(name string) bool {
	if d.owners[name] {
		return false
	}
	for o := range d.owners {
		if o != name && dns.IsSubDomain(name, o) {
			return true
		}
	}
	return false
}

func (d *diff) check(t *testing.T, q Query) {
	t.Helper()
	want := d.rfcAnswer(q)
	got := d.z.Lookup(context.Background(), q, servedZones{d.z})
	if msg := compareAnswers(got, want); msg != "" {
		t.Errorf("%s %s DO=%v: %s\ngot:  %s\nwant: %s", q.Name, dns.TypeToString[q.Type], q.DO, msg, show(got), show(want))
	}
	checkClipped(t, q, got)
}

// rfcAnswer is file's answer, turned by the deviations into the RFC's.
func (d *diff) rfcAnswer(q Query) Answer {
	want := fileLookup(d.fz, q)
	for _, dev := range deviations {
		if dev.apply(d, q, &want) {
			d.hits[dev.name]++
		}
	}
	return want
}

func checkClipped(t *testing.T, q Query, a Answer) {
	t.Helper()
	for i, s := range [][]dns.RR{a.Answer, a.Ns, a.Extra} {
		if len(s) != cap(s) {
			t.Errorf("%s %s: section %d not clipped: len %d cap %d", q.Name, dns.TypeToString[q.Type], i, len(s), cap(s))
		}
	}
}

func compareAnswers(got, want Answer) string {
	if got.Result != want.Result {
		return fmt.Sprintf("result %d, want %d", got.Result, want.Result)
	}
	for _, s := range []struct {
		name      string
		got, want []dns.RR
	}{{"answer", got.Answer, want.Answer}, {"ns", got.Ns, want.Ns}, {"extra", got.Extra, want.Extra}} {
		if !slices.Equal(rrStrings(s.got), rrStrings(s.want)) {
			return s.name + " differs"
		}
	}
	return ""
}

func rrStrings(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

func show(a Answer) string {
	return fmt.Sprintf("result %d\n  answer %q\n  ns %q\n  extra %q", a.Result, rrStrings(a.Answer), rrStrings(a.Ns), rrStrings(a.Extra))
}

// diffNames are the names asked: every owner, and names that do not exist
// below them, below empty non-terminals, wildcards and cuts.
var diffNames = []string{
	"nothere.example.org.", "x.www.example.org.", "ent.example.org.", "b.ent.example.org.", "c.b.ent.example.org.",
	"y.c.b.ent.example.org.", "x.b.ent.example.org.", "x.y.b.ent.example.org.", "deep.example.org.", "a.deep.example.org.",
	"c.b.a.deep.example.org.", "x.c.b.a.deep.example.org.", "x.e.d.c.b.a.deep.example.org.", "went.example.org.",
	"*.went.example.org.", "x.went.example.org.", "b.x.went.example.org.", "foo.wild.example.org.", "a.b.wild.example.org.",
	"foo.wcx.example.org.", "x.wloop.example.org.", "y.wloop.example.org.", "host.sub.example.org.", "a.b.sub.example.org.",
	"x.deleg2.example.org.", "x.dn.example.org.", "a.b.dn.example.org.", "www.dn2.example.org.", "nope.dn2.example.org.",
	"a.sub2.example.org.", "sub2.example.org.", "z.a\\.b.example.org.", "\\001.example.org.", "\\200.example.org.",
	"foo.example.org.", "a.b.c.example.org.",
}

var diffTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypeTXT, dns.TypeCNAME, dns.TypeNS, dns.TypeSOA,
	dns.TypeDS, dns.TypeSRV, dns.TypeSVCB, dns.TypeHTTPS, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeDNAME, dns.TypePTR,
	dns.TypeANY, dns.TypeDNSKEY}

func (d *diff) run(t *testing.T) {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range d.owners {
			if !yield(n) {
				return
			}
		}
	})
	names = append(names, diffNames...)
	queries := 0
	for _, n := range names {
		for _, ty := range diffTypes {
			for _, do := range []bool{false, true} {
				d.check(t, Query{Name: n, Type: ty, DO: do})
				queries++
			}
		}
	}
	t.Logf("%d queries; deviations applied: %v", queries, d.hits)
}

func TestDifferential(t *testing.T) {
	rrs := parseZone(t, richZone)
	t.Run("unsigned", func(t *testing.T) {
		d := newDiff(t, "example.org.", rrs)
		d.run(t)
	})
	t.Run("signed", func(t *testing.T) {
		d := newDiff(t, "example.org.", sign(t, "example.org.", rrs))
		d.run(t)
	})
}
