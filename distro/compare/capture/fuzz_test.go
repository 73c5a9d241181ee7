package capture

import (
	"bytes"
	"testing"

	dnstap "github.com/dnstap/golang-dnstap"
	"github.com/miekg/dns"
)

// The fuzz targets check that no input crashes a reader or hangs it, and that what a reader
// hands on is a replayable query. Their seed corpora run as normal tests.

func checkQuery(t *testing.T, q Query) error {
	if q.Msg == nil || len(q.Msg.Question) != 1 || q.Msg.Response || (q.Network != "udp" && q.Network != "tcp") {
		t.Fatalf("reader handed on a non-query: %+v", q)
	}
	if _, err := q.Msg.Pack(); err != nil {
		t.Fatalf("query does not pack again: %v", err)
	}
	return nil
}

func FuzzPcap(f *testing.F) {
	for _, ng := range []bool{false, true} {
		data := writeMixedCapture(f, ng)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadPcap(bytes.NewReader(data), func(q Query) error { return checkQuery(t, q) })
	})
}

func FuzzDnstap(f *testing.F) {
	q := query("www.example.org.", dns.TypeA, 7)
	q.SetEdns0(1232, true)
	data := dnstapFile(f,
		tapMessage(f, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_UDP, 5000, q, true),
		tapMessage(f, dnstap.Message_CLIENT_RESPONSE, dnstap.SocketProtocol_UDP, 5000, answer(q, "www.example.org. 60 IN A 192.0.2.1"), true),
		tapMessage(f, dnstap.Message_AUTH_QUERY, dnstap.SocketProtocol_TCP, 5001, q, false))
	f.Add(data)
	f.Add(data[:len(data)-9])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadDnstap(bytes.NewReader(data), func(q Query) error { return checkQuery(t, q) })
	})
}

func FuzzList(f *testing.F) {
	f.Add([]byte("www.example.org A +dnssec\nexample.org MX +norec +bufsize=512\n"))
	f.Add([]byte("TYPE65535 x. +tcp +noedns +cd\n; c\n"))
	f.Add([]byte("@::1 IN AAAA v6.example +bufsize=65535 +edns=0\n"))
	f.Add([]byte("\\000.example A\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadList(bytes.NewReader(data), func(q Query) error { return checkQuery(t, q) })
	})
}
