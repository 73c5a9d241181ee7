package answercache

import (
	"bytes"
	"testing"

	"github.com/miekg/dns"
)

// wireSeeds are requests the fast path keys from the wire, and near misses it must leave
// to the server.
func wireSeeds() [][]byte {
	out := seeds()
	add := func(m *dns.Msg) {
		b, err := m.Pack()
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	m := query("Mail-1.Sub_Zone.example.ORG.", dns.TypeMX)
	m.SetEdns0(1232, true)
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.CheckingDisabled, m.AuthenticatedData, m.Zero, m.RecursionDesired = true, true, true, false
	m.SetEdns0(4096, false)
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.SetEdns0(4096, false)
	m.IsEdns0().SetVersion(1)
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.SetEdns0(4096, false)
	m.IsEdns0().SetExtendedRcode(dns.RcodeBadVers)
	add(m)
	m = query("*.example.org.", dns.TypeA)
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.Response = true
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.Authoritative, m.Truncated, m.RecursionAvailable = true, true, true
	add(m)
	m = query("www.example.org.", dns.TypeA)
	m.Question[0].Qclass = dns.ClassCHAOS
	add(m)
	b, _ := query("www.example.org.", dns.TypeA).Pack()
	out = append(out, append(b, 0, 0)) // trailing bytes
	return out
}

// TestWireKeyTakesPlainQueries: the shapes a resolver sends are keyed from the wire.
func TestWireKeyTakesPlainQueries(t *testing.T) {
	for _, tc := range []struct {
		name string
		edns bool
	}{{"www.example.org.", false}, {"WWW.Example.Org.", true}, {".", true}, {"_dmarc.mail-1.example.org.", false}} {
		m := query(tc.name, dns.TypeA)
		if tc.edns {
			m.SetEdns0(1232, true)
		}
		b, _ := m.Pack()
		var buf [keyMax]byte
		if _, _, ok := wireKey(buf[:0], b); !ok {
			t.Errorf("%s (EDNS %v): not keyed from the wire", tc.name, tc.edns)
		}
	}
}

// FuzzWireKey: whatever wireKey takes, the server can unpack, and buildKey keys the
// unpacked request to the same bytes, name and case patching; the wire name's length is
// the question name's.
func FuzzWireKey(f *testing.F) {
	for _, s := range wireSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var buf [keyMax]byte
		k, qlen, ok := wireKey(buf[:0], raw)
		if !ok {
			return
		}
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			t.Fatalf("wireKey took %x, which does not unpack: %v", raw, err)
		}
		if dns.DefaultMsgAcceptFunc(wireHeader(raw)) != dns.MsgAccept {
			t.Fatalf("wireKey took %x, which the server does not accept", raw)
		}
		var buf2 [keyMax]byte
		k2, why := buildKey(buf2[:0], &wire{addr: udp4}, r)
		if why != reasonNone {
			t.Fatalf("wireKey took %x, which buildKey does not key (%s)", raw, reasonNames[why])
		}
		if !bytes.Equal(k.b, k2.b) || !bytes.Equal(k.name, k2.name) || k.patchCase != k2.patchCase {
			t.Fatalf("keys differ for %x:\nwire  %q\nbuild %q", raw, k.b, k2.b)
		}
		if want := (&dns.Msg{Question: r.Question}).Len() - 12 - 4; qlen != want {
			t.Fatalf("question name of %d octets, want %d", qlen, want)
		}
	})
}
