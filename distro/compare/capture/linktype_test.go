package capture

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/miekg/dns"
)

// ipUDPQuery is an IPv4 packet carrying a DNS query to port 53.
func ipUDPQuery(t *testing.T, name string) []byte {
	t.Helper()
	wire, err := query(name, dns.TypeA, 1).Pack()
	if err != nil {
		t.Fatal(err)
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: client4, DstIP: server4}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 53}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, udp, gopacket.Payload(wire)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Captures of other link types than Ethernet: raw IP, BSD loopback (tcpdump -i lo on BSD and
// macOS) and Linux cooked (tcpdump -i any).
func TestReadPcapLinkTypes(t *testing.T) {
	ip := ipUDPQuery(t, "link.example.org.")
	loop := binary.LittleEndian.AppendUint32(nil, 2) // AF_INET, in the capturing host's order
	sll := make([]byte, 16)                          // packet type, ARPHRD, address length, address, protocol
	binary.BigEndian.PutUint16(sll[2:], 772)         // ARPHRD_LOOPBACK
	binary.BigEndian.PutUint16(sll[14:], 0x0800)     // IPv4
	for _, c := range []struct {
		lt     layers.LinkType
		header []byte
	}{
		{layers.LinkTypeRaw, nil},
		{layers.LinkTypeNull, loop},
		{layers.LinkTypeLinuxSLL, sll},
	} {
		var buf bytes.Buffer
		w := pcapgo.NewWriter(&buf)
		if err := w.WriteFileHeader(65535, c.lt); err != nil {
			t.Fatal(err)
		}
		data := append(append([]byte{}, c.header...), ip...)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(data), Length: len(data)}, data); err != nil {
			t.Fatal(err)
		}
		qs, st, err := readAll(t, buf.Bytes())
		if err != nil || len(qs) != 1 || qs[0].Msg.Question[0].Name != "link.example.org." {
			t.Errorf("%v: %v %v (%v)", c.lt, qs, err, st)
		}
	}
	// A link type the reader does not know is an error that names it.
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(65535, layers.LinkTypeIEEE802_11)
	if _, _, err := readAll(t, buf.Bytes()); err == nil {
		t.Errorf("802.11 capture: no error")
	}
}
