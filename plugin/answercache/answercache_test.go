package answercache

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/test"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"

	"github.com/miekg/dns"
)

var (
	wwwA = test.A("www.example.org. 300 IN A 192.0.2.1")
	soa  = test.SOA("example.org. 300 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 300")
)

// check asserts rcode, flags and every section of m.
func check(t *testing.T, m *dns.Msg, tc test.Case) {
	t.Helper()
	if err := test.SortAndCheck(m, tc); err != nil {
		t.Fatalf("%s: %v\n%s", tc.Qname, err, m)
	}
	if !m.Response || !m.Authoritative || m.Truncated || m.Opcode != dns.OpcodeQuery {
		t.Fatalf("%s: flags qr %v aa %v tc %v opcode %d", tc.Qname, m.Response, m.Authoritative, m.Truncated, m.Opcode)
	}
}

func TestHitIsTheMissBytes(t *testing.T) {
	edns := func(m *dns.Msg) *dns.Msg { m.SetEdns0(1232, true); return m }
	for _, tc := range []struct {
		name string
		r    *dns.Msg
		addr net.Addr
		want test.Case
	}{
		{"udp A", query("www.example.org.", dns.TypeA), udp4,
			test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}}},
		{"tcp A", query("www.example.org.", dns.TypeA), tcp4,
			test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}}},
		{"udp6 NXDOMAIN DO", edns(query("nx.example.org.", dns.TypeA)), udp6,
			test.Case{Qname: "nx.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: []dns.RR{soa}, Extra: []dns.RR{test.OPT(1232, true)}}},
		{"udp NODATA", query("www.example.org.", dns.TypeAAAA), udp4,
			test.Case{Qname: "www.example.org.", Qtype: dns.TypeAAAA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, d, ctx := newTest(t, false)
			miss, mm, rc1 := ask(t, ctx, c, tc.r, tc.addr)
			tc.r.Id = 0xbeef
			hit, hm, rc2 := ask(t, ctx, c, tc.r, tc.addr)
			if d.n() != 1 || count(t, "hits") != 1 || count(t, "stores") != 1 {
				t.Fatalf("data asked %d times, hits %v, stores %v; want 1, 1, 1", d.n(), count(t, "hits"), count(t, "stores"))
			}
			check(t, mm, tc.want)
			check(t, hm, tc.want)
			if rc1 != tc.want.Rcode || rc2 != tc.want.Rcode {
				t.Fatalf("ServeDNS returned %d and %d, want %d", rc1, rc2, tc.want.Rcode)
			}
			if hm.Id != 0xbeef || mm.Id != 0x1234 {
				t.Fatalf("ids %x %x", mm.Id, hm.Id)
			}
			if !bytes.Equal(miss[2:], hit[2:]) {
				t.Fatalf("hit bytes differ from the miss's beyond the ID:\n%x\n%x", miss, hit)
			}
		})
	}
}

func TestHitPatchesRDAndCase(t *testing.T) {
	c, _, ctx := newTest(t, false)
	r := query("www.example.org.", dns.TypeA)
	r.RecursionDesired = true
	ask(t, ctx, c, r, udp4)

	r = query("WwW.ExAmple.ORG.", dns.TypeA)
	r.RecursionDesired = false
	_, m, _ := ask(t, ctx, c, r, udp4)
	if count(t, "hits") != 1 {
		t.Fatal("a query differing only in case and RD missed")
	}
	if m.Question[0].Name != "WwW.ExAmple.ORG." || m.RecursionDesired {
		t.Fatalf("question %q rd %v: want the client's case and RD off", m.Question[0].Name, m.RecursionDesired)
	}
	check(t, m, test.Case{Qname: "WwW.ExAmple.ORG.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}})
}

func TestBumpInvalidates(t *testing.T) {
	c, d, ctx := newTest(t, false)
	r := query("www.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	ask(t, ctx, c, r, udp4)
	d.set("www.example.org.", "192.0.2.2")
	_, m, _ := ask(t, ctx, c, r, udp4)
	check(t, m, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("www.example.org. 300 IN A 192.0.2.2")}})
	if count(t, "invalidations") != 1 || d.n() != 2 {
		t.Fatalf("invalidations %v, data asked %d; want 1, 2", count(t, "invalidations"), d.n())
	}
	_, m, _ = ask(t, ctx, c, r, udp4) // the new answer is stored again
	check(t, m, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("www.example.org. 300 IN A 192.0.2.2")}})
	if count(t, "hits") != 2 || d.n() != 2 {
		t.Fatalf("hits %v, data asked %d; want 2, 2", count(t, "hits"), d.n())
	}
}

func TestNotStored(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  string
		rcode int
	}{
		{"uncacheable", "uncacheable", 0},
		{"not served", "noserve", 0},
		{"two messages", "twice", 0},
		{"SERVFAIL", "", dns.RcodeServerFailure},
		{"REFUSED", "", dns.RcodeRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, d, ctx := newTest(t, false)
			d.mode, d.rcode = tc.mode, tc.rcode
			for i := 0; i < 3; i++ {
				r := query("www.example.org.", dns.TypeA)
				w := &wire{addr: udp4}
				if _, err := c.ServeDNS(ctx, w, r); err != nil {
					t.Fatal(err)
				}
			}
			if d.n() != 3 || count(t, "stores") != 0 || c.store.entries() != 0 {
				t.Fatalf("data asked %d times, stores %v, entries %d; want 3, 0, 0", d.n(), count(t, "stores"), c.store.entries())
			}
		})
	}
}

func TestExpireAndMaxAge(t *testing.T) {
	c, d, ctx := newTest(t, false)
	start := time.Unix(1_700_000_000, 0)
	c.clock.set(start)
	d.expire = 30 * time.Second
	r := query("www.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	c.clock.set(start.Add(29 * time.Second))
	ask(t, ctx, c, r, udp4)
	if d.n() != 1 {
		t.Fatal("an answer 29s old with Expire(30s) was not a hit")
	}
	c.clock.set(start.Add(30 * time.Second))
	ask(t, ctx, c, r, udp4)
	if d.n() != 2 {
		t.Fatal("an answer 30s old with Expire(30s) was a hit")
	}

	// No Expire: max_age (1h here) bounds it.
	d.expire = 0
	r = query("nx.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	c.clock.set(start.Add(30*time.Second + time.Hour - time.Second))
	ask(t, ctx, c, r, udp4)
	if d.n() != 3 {
		t.Fatalf("data asked %d times, want 3: a hit within max_age missed", d.n())
	}
	c.clock.set(start.Add(30*time.Second + time.Hour))
	ask(t, ctx, c, r, udp4)
	if d.n() != 4 {
		t.Fatal("an answer max_age old was a hit")
	}
}

func TestAdmissionSecondSighting(t *testing.T) {
	c, d, ctx := newTest(t, true)
	r := query("www.example.org.", dns.TypeA)
	ask(t, ctx, c, r, udp4)
	if count(t, "rejects") != 1 || count(t, "stores") != 0 {
		t.Fatalf("first sighting: rejects %v stores %v, want 1 0", count(t, "rejects"), count(t, "stores"))
	}
	ask(t, ctx, c, r, udp4)
	if count(t, "stores") != 1 {
		t.Fatal("second sighting not stored")
	}
	ask(t, ctx, c, r, udp4)
	if d.n() != 2 || count(t, "hits") != 1 {
		t.Fatalf("data asked %d, hits %v; want 2, 1", d.n(), count(t, "hits"))
	}
}

func TestKeyedApart(t *testing.T) {
	opt := func(size uint16, do bool, opts ...dns.EDNS0) func(*dns.Msg) {
		return func(m *dns.Msg) { m.SetEdns0(size, do); o := m.IsEdns0(); o.Option = opts }
	}
	cookie := func(s string) dns.EDNS0 { return &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: s} }
	variants := []struct {
		name string
		addr net.Addr
		set  func(*dns.Msg)
	}{
		{"plain udp", udp4, nil},
		{"tcp", tcp4, nil},
		{"udp6", udp6, nil},
		{"edns 1232", udp4, opt(1232, false)},
		{"edns 4096", udp4, opt(4096, false)},
		{"edns DO", udp4, opt(1232, true)},
		{"CD", udp4, func(m *dns.Msg) { m.CheckingDisabled = true }},
		{"cookie a", udp4, opt(1232, false, cookie("0102030405060708"))},
		{"cookie b", udp4, opt(1232, false, cookie("0102030405060709"))},
		{"subnet", udp4, opt(1232, false, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(198, 51, 100, 0).To4()})},
	}
	c, d, ctx := newTest(t, false)
	for _, v := range variants {
		r := query("www.example.org.", dns.TypeA)
		if v.set != nil {
			v.set(r)
		}
		ask(t, ctx, c, r, v.addr)
	}
	if d.n() != len(variants) {
		t.Fatalf("data asked %d times for %d variants: some shared a key", d.n(), len(variants))
	}
	for _, v := range variants {
		r := query("www.example.org.", dns.TypeA)
		if v.set != nil {
			v.set(r)
		}
		_, m, _ := ask(t, ctx, c, r, v.addr)
		if (m.IsEdns0() != nil) != (r.IsEdns0() != nil) {
			t.Fatalf("%s: OPT in answer %v, in request %v", v.name, m.IsEdns0() != nil, r.IsEdns0() != nil)
		}
	}
	if d.n() != len(variants) || count(t, "hits") != float64(len(variants)) {
		t.Fatalf("second round: data asked %d, hits %v", d.n(), count(t, "hits"))
	}
}

func TestTruncatedUDPKeyedApartFromTCP(t *testing.T) {
	c, d, ctx := newTest(t, false)
	c.Next = txt{d, 250, 3} // 750 bytes: truncated over UDP at 512
	big := func() *dns.Msg { return query("big.example.org.", dns.TypeTXT) }
	_, m1, _ := ask(t, ctx, c, big(), udp4)
	_, m2, _ := ask(t, ctx, c, big(), tcp4)
	_, m3, _ := ask(t, ctx, c, big(), udp4)
	_, m4, _ := ask(t, ctx, c, big(), tcp4)
	if !m1.Truncated || !m3.Truncated || m2.Truncated || m4.Truncated || len(m4.Answer) != 3 {
		t.Fatalf("tc udp %v %v, tcp %v %v, tcp answers %d", m1.Truncated, m3.Truncated, m2.Truncated, m4.Truncated, len(m4.Answer))
	}
	if count(t, "hits") != 2 {
		t.Fatalf("hits %v, want 2", count(t, "hits"))
	}
}

func TestBypass(t *testing.T) {
	tsig := query("www.example.org.", dns.TypeA)
	tsig.SetTsig("key.", dns.HmacSHA256, 300, time.Now().Unix())
	nsid := query("www.example.org.", dns.TypeA)
	nsid.SetEdns0(1232, false)
	nsid.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_NSID{Code: dns.EDNS0NSID}}
	ede := query("www.example.org.", dns.TypeA)
	ede.SetEdns0(1232, false)
	ede.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_EDE{InfoCode: 1}}
	notify := query("example.org.", dns.TypeSOA)
	notify.Opcode = dns.OpcodeNotify
	two := query("www.example.org.", dns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	for _, tc := range []struct {
		reason string
		r      *dns.Msg
	}{
		{"tsig", tsig}, {"nsid", nsid}, {"edns", ede}, {"opcode", notify}, {"question", two},
		{"transfer", query("example.org.", dns.TypeAXFR)}, {"transfer", query("example.org.", dns.TypeIXFR)},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			c, d, ctx := newTest(t, false)
			for i := 0; i < 2; i++ {
				if _, err := c.ServeDNS(ctx, &wire{addr: udp4}, tc.r.Copy()); err != nil {
					t.Fatal(err)
				}
			}
			if d.n() != 2 || count(t, tc.reason) != 2 || count(t, "stores") != 0 || count(t, "misses") != 0 {
				t.Fatalf("data asked %d, bypass %v, stores %v, misses %v", d.n(), count(t, tc.reason), count(t, "stores"), count(t, "misses"))
			}
		})
	}
}

func TestZonesLimitTheCache(t *testing.T) {
	c, d, ctx := newTest(t, false)
	c.zones = []string{"example.net.", "org."}
	for _, name := range []string{"www.example.org.", "www.example.org."} {
		ask(t, ctx, c, query(name, dns.TypeA), udp4)
	}
	c.zones = []string{"example.net.", "ample.org."}
	ask(t, ctx, c, query("nx.example.org.", dns.TypeA), udp4)
	ask(t, ctx, c, query("nx.example.org.", dns.TypeA), udp4)
	if d.n() != 3 || count(t, "hits") != 1 {
		t.Fatalf("data asked %d, hits %v: want 3, 1 (ample.org. does not hold example.org.)", d.n(), count(t, "hits"))
	}
}

func TestNested(t *testing.T) {
	c, d, ctx := newTest(t, false)
	r := query("www.example.org.", dns.TypeA)

	// A miss inside another request: passes the outer recorder down, stores nothing.
	outer := &answerdeps.Recorder{}
	ask(t, answerdeps.With(ctx, outer), c, r, udp4)
	if !outer.Cacheable() || len(outer.Stamps()) != 1 || c.store.entries() != 0 {
		t.Fatalf("nested miss: outer cacheable %v stamps %d, entries %d", outer.Cacheable(), len(outer.Stamps()), c.store.entries())
	}

	// A hit inside another request: merges the entry's stamps, served, and its expiry.
	d.expire = time.Minute
	ask(t, ctx, c, r, udp4)
	outer = &answerdeps.Recorder{}
	_, m, _ := ask(t, answerdeps.With(ctx, outer), c, r, udp4)
	check(t, m, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{wwwA}})
	if count(t, "hits") != 1 || !outer.Cacheable() || len(outer.Stamps()) != 1 || outer.TTL() != time.Minute {
		t.Fatalf("nested hit: hits %v, cacheable %v, stamps %v, ttl %v", count(t, "hits"), outer.Cacheable(), outer.Stamps(), outer.TTL())
	}
	d.dep.Bump()
	if outer.Stamps()[0].Current() {
		t.Fatal("the merged stamp is not the data's")
	}
}
