package capture

import (
	"bytes"
	"strings"
	"testing"

	dnstap "github.com/dnstap/golang-dnstap"
	"github.com/miekg/dns"
	"google.golang.org/protobuf/proto"
)

// dnstapFile writes messages as a dnstap file, through golang-dnstap's own Frame Streams
// writer, as `dnstap -w` does.
func dnstapFile(t testing.TB, msgs ...*dnstap.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := dnstap.NewWriter(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	typ := dnstap.Dnstap_MESSAGE
	for _, m := range msgs {
		frame, err := proto.Marshal(&dnstap.Dnstap{Type: &typ, Message: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tapMessage(t testing.TB, typ dnstap.Message_Type, proto dnstap.SocketProtocol, port uint32, m *dns.Msg, full bool) *dnstap.Message {
	t.Helper()
	fam := dnstap.SocketFamily_INET
	sec := uint64(1700000000)
	dm := &dnstap.Message{Type: &typ, SocketFamily: &fam, SocketProtocol: &proto,
		QueryAddress: []byte{127, 0, 0, 1}, QueryPort: &port}
	var wire []byte
	if full {
		var err error
		if wire, err = m.Pack(); err != nil {
			t.Fatal(err)
		}
	}
	if m.Response {
		dm.ResponseMessage, dm.ResponseTimeSec = wire, &sec
	} else {
		dm.QueryMessage, dm.QueryTimeSec = wire, &sec
	}
	return dm
}

func TestReadDnstap(t *testing.T) {
	q1 := query("www.example.org.", dns.TypeA, 7)
	q1.SetEdns0(4096, true)
	q2 := query("example.org.", dns.TypeSOA, 8)
	q3 := query("pdns.example.org.", dns.TypeTXT, 9)
	data := dnstapFile(t,
		tapMessage(t, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_UDP, 5000, q1, true),
		tapMessage(t, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_TCP, 5001, q2, true),
		tapMessage(t, dnstap.Message_CLIENT_RESPONSE, dnstap.SocketProtocol_UDP, 5000, answer(q1, "www.example.org. 60 IN A 192.0.2.1"), true),
		// PowerDNS logs AUTH_QUERY; DoT is skipped.
		tapMessage(t, dnstap.Message_AUTH_QUERY, dnstap.SocketProtocol_UDP, 5002, q3, true),
		tapMessage(t, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_DOT, 5003, q3, true),
	)
	qs, st, err := readAll(t, data)
	if err != nil {
		t.Fatalf("%v (%v)", err, st)
	}
	if len(qs) != 3 {
		t.Fatalf("got %d queries, want 3 (%v)", len(qs), st)
	}
	if qs[0].Msg.Question[0].Name != "www.example.org." || qs[0].Network != "udp" || !qs[0].Msg.IsEdns0().Do() || qs[0].Response == nil {
		t.Errorf("first query: %+v", qs[0])
	}
	if qs[1].Network != "tcp" || qs[1].Response != nil {
		t.Errorf("TCP query: %+v", qs[1])
	}
	if qs[2].Msg.Question[0].Qtype != dns.TypeTXT {
		t.Errorf("AUTH_QUERY: %+v", qs[2])
	}
	if st.Skipped != 1 || st.Answered != 1 {
		t.Errorf("stats %v", st)
	}
}

func TestReadDnstapWithoutMessages(t *testing.T) {
	q := query("www.example.org.", dns.TypeA, 7)
	data := dnstapFile(t, tapMessage(t, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_UDP, 5000, q, false))
	_, _, err := readAll(t, data)
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Errorf("got %v, want a hint to log with full", err)
	}
}

func TestReadDnstapTruncated(t *testing.T) {
	q := query("www.example.org.", dns.TypeA, 7)
	m := tapMessage(t, dnstap.Message_CLIENT_QUERY, dnstap.SocketProtocol_UDP, 5000, q, true)
	data := dnstapFile(t, m, m)
	for _, cut := range []int{4, 20, len(data) - 20} {
		_, _, err := readAll(t, data[:cut])
		if err == nil {
			t.Errorf("cut at %d of %d: no error", cut, len(data))
			continue
		}
		t.Logf("cut at %d: %v", cut, err)
	}
	// A frame that is not a dnstap protobuf message.
	var buf bytes.Buffer
	w, err := dnstap.NewWriter(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteFrame(bytes.Repeat([]byte{0xff}, 20))
	w.Close()
	if _, _, err := readAll(t, buf.Bytes()); err == nil || !strings.Contains(err.Error(), "not a dnstap message") {
		t.Errorf("garbled frame: %v", err)
	}
}
