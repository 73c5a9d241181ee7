package compare_test

import (
	"encoding/binary"
	"net"
	"os"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/miekg/dns"
)

// pcapFile is a capture of real exchanges as tcpdump on the old server would have written
// it: each query the test asks a live server, and the answer it got, wrapped in Ethernet,
// IPv4 or IPv6, and UDP or TCP to port 53 (the live servers listen on other ports; a capture
// in production sees 53).
type pcapFile struct {
	t     *testing.T
	f     *os.File
	w     *pcapgo.Writer
	now   time.Time
	port  uint16
	asked int
}

var (
	capServer4 = net.IPv4(192, 0, 2, 53).To4()
	capClient4 = net.IPv4(198, 51, 100, 7).To4()
	capServer6 = net.ParseIP("2001:db8::53")
	capClient6 = net.ParseIP("2001:db8::7")
)

func newPcapFile(t *testing.T, path string) *pcapFile {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return &pcapFile{t: t, f: f, w: w, now: time.Now(), port: 30000}
}

// exchange asks server q for real and writes the exchange into the capture.
func (p *pcapFile) exchange(server string, q question) *dns.Msg {
	p.t.Helper()
	m := q.msg()
	c := &dns.Client{Net: q.network, Timeout: 5 * time.Second, UDPSize: 65535}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		p.t.Fatalf("%s %s over %s: %v", q.name, dns.TypeToString[q.qtype], q.network, err)
	}
	p.port++
	p.asked++
	client, srv := capClient4, capServer4
	if p.asked%3 == 0 { // every third exchange over IPv6
		client, srv = capClient6, capServer6
	}
	qw, rw := pack(p.t, m), pack(p.t, r)
	if q.network == "udp" {
		p.udp(client, p.port, srv, 53, qw)
		p.udp(srv, 53, client, p.port, rw)
		return r
	}
	// A TCP connection: handshake, the query cut in two segments, the answer, FINs.
	cseq, sseq := uint32(1000), uint32(9000)
	p.tcp(client, p.port, srv, 53, &layers.TCP{SYN: true, Seq: cseq}, nil)
	p.tcp(srv, 53, client, p.port, &layers.TCP{SYN: true, ACK: true, Seq: sseq, Ack: cseq + 1}, nil)
	cseq, sseq = cseq+1, sseq+1
	framed := binary.BigEndian.AppendUint16(nil, uint16(len(qw)))
	framed = append(framed, qw...)
	cut := 5
	p.tcp(client, p.port, srv, 53, &layers.TCP{ACK: true, PSH: true, Seq: cseq, Ack: sseq}, framed[:cut])
	p.tcp(client, p.port, srv, 53, &layers.TCP{ACK: true, PSH: true, Seq: cseq + uint32(cut), Ack: sseq}, framed[cut:])
	cseq += uint32(len(framed))
	answer := binary.BigEndian.AppendUint16(nil, uint16(len(rw)))
	answer = append(answer, rw...)
	p.tcp(srv, 53, client, p.port, &layers.TCP{ACK: true, PSH: true, Seq: sseq, Ack: cseq}, answer)
	sseq += uint32(len(answer))
	p.tcp(client, p.port, srv, 53, &layers.TCP{FIN: true, ACK: true, Seq: cseq, Ack: sseq}, nil)
	p.tcp(srv, 53, client, p.port, &layers.TCP{FIN: true, ACK: true, Seq: sseq, Ack: cseq + 1}, nil)
	return r
}

func pack(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p *pcapFile) udp(src net.IP, sport uint16, dst net.IP, dport uint16, payload []byte) {
	p.packet(src, dst, layers.IPProtocolUDP, &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, payload)
}

func (p *pcapFile) tcp(src net.IP, sport uint16, dst net.IP, dport uint16, seg *layers.TCP, payload []byte) {
	seg.SrcPort, seg.DstPort, seg.Window = layers.TCPPort(sport), layers.TCPPort(dport), 65535
	p.packet(src, dst, layers.IPProtocolTCP, seg, payload)
}

type checksummed interface {
	gopacket.SerializableLayer
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

func (p *pcapFile) packet(src, dst net.IP, proto layers.IPProtocol, tl checksummed, payload []byte) {
	p.t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	var ip gopacket.NetworkLayer
	if src.To4() != nil {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip = &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst}
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src, DstIP: dst}
	}
	tl.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip.(gopacket.SerializableLayer), tl, gopacket.Payload(payload))
	if err != nil {
		p.t.Fatal(err)
	}
	p.now = p.now.Add(time.Millisecond)
	data := buf.Bytes()
	if err := p.w.WritePacket(gopacket.CaptureInfo{Timestamp: p.now, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		p.t.Fatal(err)
	}
}

func (p *pcapFile) close() string {
	p.t.Helper()
	if err := p.f.Close(); err != nil {
		p.t.Fatal(err)
	}
	return p.f.Name()
}
