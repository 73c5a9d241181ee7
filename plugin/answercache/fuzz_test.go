package answercache

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// seeds are packed requests of the kinds the cache keys or bypasses.
func seeds() [][]byte {
	var out [][]byte
	add := func(m *dns.Msg) {
		b, err := m.Pack()
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	add(query("www.example.org.", dns.TypeA))
	add(query("WwW.ExAmPlE.oRg.", dns.TypeAAAA))
	add(query(`a\.b\065.example.org.`, dns.TypeTXT))
	add(query("nx.example.org.", dns.TypeMX))
	add(query(".", dns.TypeNS))
	m := query("www.example.org.", dns.TypeA)
	m.SetEdns0(4096, true)
	m.IsEdns0().Option = []dns.EDNS0{
		&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"},
		&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(198, 51, 100, 0).To4()},
		&dns.EDNS0_PADDING{Padding: make([]byte, 12)},
	}
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.SetEdns0(512, false)
	m.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_NSID{Code: dns.EDNS0NSID}}
	add(m)
	m = query("example.org.", dns.TypeAXFR)
	add(m)
	m = query("example.org.", dns.TypeSOA)
	m.Opcode = dns.OpcodeNotify
	add(m)
	return out
}

// FuzzKey: any request the server can unpack keys without panicking, and two requests
// that differ only in the case of the name (without escapes) get the same key.
func FuzzKey(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, tcp bool) {
		r := new(dns.Msg)
		if r.Unpack(raw) != nil {
			return
		}
		addr := net.Addr(udp4)
		if tcp {
			addr = tcp4
		}
		w := &wire{addr: addr}
		var buf [keyMax]byte
		k, why := buildKey(buf[:0], w, r)
		if why != reasonNone {
			return
		}
		if len(k.b) > keyMax {
			t.Fatalf("key of %d bytes", len(k.b))
		}
		name := r.Question[0].Name
		if strings.Contains(name, `\`) {
			return
		}
		r.Question[0].Name = strings.ToUpper(name)
		var buf2 [keyMax]byte
		k2, why2 := buildKey(buf2[:0], w, r)
		if why2 != reasonNone || !bytes.Equal(k.b, k2.b) {
			t.Fatalf("%q and %q keyed apart", name, r.Question[0].Name)
		}
	})
}

// FuzzHit: random requests through the miss and the hit path never panic, and a hit is
// the bytes of the stored miss with the request's ID.
func FuzzHit(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	c, _, ctx := newTest(f, false)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := new(dns.Msg)
		if r.Unpack(raw) != nil {
			return
		}
		var got [2][]byte
		for i := range got {
			w := &wire{addr: udp4}
			c.ServeDNS(ctx, request.NewScrubWriter(r, w), r.Copy())
			got[i] = w.bytes
		}
		if len(got[0]) < 12 || len(got[1]) < 12 {
			return // nothing written: the fake answers only single questions
		}
		if got[1][0] != byte(r.Id>>8) || got[1][1] != byte(r.Id) {
			t.Fatalf("answer id %x, request %x", got[1][:2], r.Id)
		}
		if !bytes.Equal(got[0][2:], got[1][2:]) {
			// The data plugin answers the same twice; only the case of the question may
			// differ, and here it was asked with the same case.
			t.Fatalf("second answer differs:\n%x\n%x", got[0], got[1])
		}
	})
}
