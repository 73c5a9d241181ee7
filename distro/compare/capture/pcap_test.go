package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/miekg/dns"
)

var (
	client4 = net.IPv4(192, 0, 2, 10).To4()
	server4 = net.IPv4(192, 0, 2, 53).To4()
	client6 = net.ParseIP("2001:db8::10")
	server6 = net.ParseIP("2001:db8::53")
	macA    = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	macB    = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

// packetWriter is what pcapgo's pcap and pcapng writers have in common.
type packetWriter interface {
	WritePacket(gopacket.CaptureInfo, []byte) error
}

// capWriter writes Ethernet frames carrying DNS into a pcap or pcapng file, as tcpdump
// would capture them.
type capWriter struct {
	t   testing.TB
	w   packetWriter
	now time.Time
	seq map[string]uint32
}

func newCapWriter(t testing.TB, buf *bytes.Buffer, ng bool) *capWriter {
	t.Helper()
	c := &capWriter{t: t, now: time.Unix(1700000000, 0), seq: map[string]uint32{}}
	if ng {
		w, err := pcapgo.NewNgWriter(buf, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Flush() })
		c.w = w
		return c
	}
	w := pcapgo.NewWriter(buf)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	c.w = w
	return c
}

func (c *capWriter) frame(src, dst net.IP, transport gopacket.SerializableLayer, nl gopacket.NetworkLayer, payload []byte) {
	c.t.Helper()
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.SerializableLayer
	if src.To4() != nil {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src, DstIP: dst}
		if _, ok := transport.(*layers.UDP); ok {
			ip4.Protocol = layers.IPProtocolUDP
		} else {
			ip4.Protocol = layers.IPProtocolTCP
		}
		ip = ip4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src, DstIP: dst}
		if _, ok := transport.(*layers.UDP); ok {
			ip6.NextHeader = layers.IPProtocolUDP
		} else {
			ip6.NextHeader = layers.IPProtocolTCP
		}
		ip = ip6
	}
	switch tl := transport.(type) {
	case *layers.UDP:
		tl.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	case *layers.TCP:
		tl.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, transport, gopacket.Payload(payload)); err != nil {
		c.t.Fatal(err)
	}
	c.now = c.now.Add(time.Millisecond)
	data := buf.Bytes()
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.now, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		c.t.Fatal(err)
	}
}

func (c *capWriter) udp(src net.IP, sport uint16, dst net.IP, dport uint16, m *dns.Msg) {
	c.t.Helper()
	wire, err := m.Pack()
	if err != nil {
		c.t.Fatal(err)
	}
	c.frame(src, dst, &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, nil, wire)
}

// tcpSegments sends payload from src to dst over an established connection, cut into
// segments at the given offsets.
func (c *capWriter) tcpSegments(src net.IP, sport uint16, dst net.IP, dport uint16, payload []byte, cuts ...int) {
	c.t.Helper()
	key := src.String() + ":" + string(rune(sport))
	seq, ok := c.seq[key]
	if !ok {
		seq = 1000
		c.frame(src, dst, &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), SYN: true, Seq: seq, Window: 65535}, nil, nil)
		seq++
	}
	prev := 0
	for _, cut := range append(cuts, len(payload)) {
		part := payload[prev:cut]
		c.frame(src, dst, &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), ACK: true, PSH: true, Seq: seq, Window: 65535}, nil, part)
		seq += uint32(len(part))
		prev = cut
	}
	c.seq[key] = seq
}

func lengthPrefixed(t testing.TB, ms ...*dns.Msg) []byte {
	t.Helper()
	var out []byte
	for _, m := range ms {
		wire, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(wire)))
		out = append(out, wire...)
	}
	return out
}

func query(name string, qt uint16, id uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qt)
	m.Id = id
	return m
}

func answer(q *dns.Msg, rr string) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(q)
	r.Authoritative = true
	if rr != "" {
		x, _ := dns.NewRR(rr)
		r.Answer = append(r.Answer, x)
	}
	return r
}

// writeMixedCapture writes UDP and TCP exchanges over IPv4 and IPv6: one query with EDNS
// and DO, one unanswered, one over TCP split across three segments, two in one TCP segment.
func writeMixedCapture(t testing.TB, ng bool) []byte {
	var buf bytes.Buffer
	c := newCapWriter(t, &buf, ng)
	q1 := query("www.example.org.", dns.TypeA, 1)
	q1.SetEdns0(1232, true)
	q1.CheckingDisabled = true
	c.udp(client4, 40000, server4, 53, q1)
	c.udp(server4, 53, client4, 40000, answer(q1, "www.example.org. 300 IN A 192.0.2.1"))

	q2 := query("v6.example.org.", dns.TypeAAAA, 2)
	q2.RecursionDesired = false
	c.udp(client6, 40001, server6, 53, q2) // no answer captured

	q3 := query("long-name-to-split.example.org.", dns.TypeTXT, 3)
	c.tcpSegments(client6, 40002, server6, 53, lengthPrefixed(t, q3), 1, 9)
	c.tcpSegments(server6, 53, client6, 40002, lengthPrefixed(t, answer(q3, `long-name-to-split.example.org. 60 IN TXT "x"`)))

	q4, q5 := query("a.example.org.", dns.TypeMX, 4), query("b.example.org.", dns.TypeNS, 5)
	c.tcpSegments(client4, 40003, server4, 53, lengthPrefixed(t, q4, q5))

	// Not DNS: another port, and garbage on port 53.
	c.frame(client4, server4, &layers.UDP{SrcPort: 40004, DstPort: 123}, nil, []byte("ntp"))
	c.frame(client4, server4, &layers.UDP{SrcPort: 40004, DstPort: 53}, nil, []byte{1, 2, 3})
	if ng {
		c.w.(*pcapgo.NgWriter).Flush()
	}
	return buf.Bytes()
}

func readAll(t *testing.T, data []byte) ([]Query, Stats, error) {
	t.Helper()
	var qs []Query
	st, err := Read(bytes.NewReader(data), Auto, func(q Query) error {
		qs = append(qs, q)
		return nil
	})
	return qs, st, err
}

func TestReadPcapAndPcapng(t *testing.T) {
	for _, ng := range []bool{false, true} {
		name := map[bool]string{false: "pcap", true: "pcapng"}[ng]
		t.Run(name, func(t *testing.T) {
			qs, st, err := readAll(t, writeMixedCapture(t, ng))
			if err != nil {
				t.Fatalf("%v (%v)", err, st)
			}
			byName := map[string]Query{}
			for _, q := range qs {
				byName[q.Msg.Question[0].Name] = q
			}
			if len(qs) != 5 || len(byName) != 5 {
				t.Fatalf("got %d queries, want 5: %v", len(qs), st)
			}
			q1 := byName["www.example.org."]
			if q1.Network != "udp" || q1.Msg.IsEdns0() == nil || !q1.Msg.IsEdns0().Do() || q1.Msg.IsEdns0().UDPSize() != 1232 || !q1.Msg.CheckingDisabled {
				t.Errorf("EDNS/DO/CD lost: %v", q1.Msg)
			}
			if q1.Response == nil || len(q1.Response.Answer) != 1 {
				t.Errorf("the captured answer is not paired: %v", q1.Response)
			}
			if q2 := byName["v6.example.org."]; q2.Response != nil || q2.Msg.RecursionDesired || q2.Msg.Question[0].Qtype != dns.TypeAAAA {
				t.Errorf("IPv6 query: %v, response %v", q2.Msg, q2.Response)
			}
			q3 := byName["long-name-to-split.example.org."]
			if q3.Network != "tcp" || q3.Msg.Question[0].Qtype != dns.TypeTXT || q3.Response == nil {
				t.Errorf("TCP query split in three segments: %+v", q3)
			}
			if q4, q5 := byName["a.example.org."], byName["b.example.org."]; q4.Network != "tcp" || q5.Network != "tcp" {
				t.Errorf("two queries in one segment: %+v %+v", q4, q5)
			}
			if st.Answered != 2 || st.Skipped != 2 {
				t.Errorf("stats %v: want 2 answered, 2 skipped", st)
			}
		})
	}
}

func TestReadPcapTruncated(t *testing.T) {
	data := writeMixedCapture(t, false)
	for _, cut := range []int{0, 3, 24 + 8, 24 + 16, len(data) - 5} {
		_, _, err := readAll(t, data[:cut])
		if err == nil {
			t.Errorf("cut at %d: no error", cut)
			continue
		}
		t.Logf("cut at %d: %v", cut, err)
	}
	for _, cut := range []int{24 + 16, len(data) - 5} {
		_, _, err := readAll(t, data[:cut])
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("a file cut in a packet at %d: %v, want it called truncated", cut, err)
		}
	}
	ng := writeMixedCapture(t, true)
	if _, _, err := readAll(t, ng[:len(ng)-7]); err == nil {
		t.Errorf("pcapng cut in a block: no error")
	}
}

func TestReadPcapWithoutDNS(t *testing.T) {
	var buf bytes.Buffer
	c := newCapWriter(t, &buf, false)
	c.frame(client4, server4, &layers.UDP{SrcPort: 1, DstPort: 123}, nil, []byte("ntp"))
	_, _, err := readAll(t, buf.Bytes())
	if err == nil || !strings.Contains(err.Error(), "no DNS queries") {
		t.Errorf("got %v, want no DNS queries found", err)
	}
}

// A capture that starts in the middle of a TCP connection (no SYN) still yields the query.
func TestReadPcapTCPWithoutHandshake(t *testing.T) {
	var buf bytes.Buffer
	c := newCapWriter(t, &buf, false)
	c.seq[client4.String()+":"+string(rune(40010))] = 5000
	q := query("mid.example.org.", dns.TypeA, 9)
	c.tcpSegments(client4, 40010, server4, 53, lengthPrefixed(t, q))
	qs, st, err := readAll(t, buf.Bytes())
	if err != nil || len(qs) != 1 || qs[0].Network != "tcp" {
		t.Fatalf("got %v %v (%v)", qs, err, st)
	}
}
