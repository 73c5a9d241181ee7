package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/google/gopacket/tcpassembly"
	"github.com/miekg/dns"
)

// packetSource is what pcapgo's pcap and pcapng readers have in common.
type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// pcapngMagic starts every pcapng file (its section header block type).
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// ReadPcap reads DNS over UDP and TCP port 53, IPv4 and IPv6, from a pcap or pcapng capture
// (told apart by their magic numbers), reassembling TCP streams. Responses in the capture
// are paired with their queries. A file that is not a capture, or ends in the middle of a
// packet, is an error naming the packet.
func ReadPcap(r io.Reader, h Handler) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(r, 1<<16)
	src, err := openPcap(br)
	if err != nil {
		return st, err
	}
	switch src.LinkType() {
	case layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6,
		layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeLinuxSLL:
	default:
		return st, fmt.Errorf("capture link type %v is not supported (Ethernet, raw IP, loopback and Linux cooked are)", src.LinkType())
	}
	pr := &pcapReader{pairer: newPairer(h, &st), stats: &st}
	pr.assembler = tcpassembly.NewAssembler(tcpassembly.NewStreamPool(pr))
	for {
		data, ci, err := src.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return st, fmt.Errorf("packet %d: the capture ends in the middle of a packet (truncated file?)", st.Records+1)
			}
			return st, fmt.Errorf("packet %d: %w", st.Records+1, err)
		}
		st.Records++
		if err := pr.packet(data, src.LinkType(), ci.Timestamp); err != nil {
			return st, err
		}
		if pr.err != nil {
			return st, pr.err
		}
	}
	pr.assembler.FlushAll()
	if pr.err != nil {
		return st, pr.err
	}
	if err := pr.pairer.close(); err != nil {
		return st, err
	}
	if st.Queries == 0 {
		return st, fmt.Errorf("%w in %d packets", ErrNoQueries, st.Records)
	}
	return st, nil
}

func openPcap(br *bufio.Reader) (packetSource, error) {
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("not a pcap or pcapng capture: %d bytes", len(magic))
	}
	if bytes.Equal(magic, pcapngMagic) {
		ng, err := pcapgo.NewNgReader(&ngBlocks{r: br}, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("pcapng header: %w", err)
		}
		return ng, nil
	}
	pc, err := pcapgo.NewReader(&pcapRecords{r: br})
	if err != nil {
		return nil, fmt.Errorf("not a pcap or pcapng capture: %w", err)
	}
	return pc, nil
}

// pcapReader decodes packets and holds the TCP reassembly; it is the StreamFactory too.
type pcapReader struct {
	pairer    *pairer
	stats     *Stats
	assembler *tcpassembly.Assembler
	err       error // the first error from a stream callback, which cannot return one
	sinceGC   int
}

func (pr *pcapReader) packet(data []byte, lt layers.LinkType, seen time.Time) error {
	p := gopacket.NewPacket(data, lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	nl := p.NetworkLayer()
	if nl == nil {
		pr.stats.Skipped++
		return nil
	}
	src, dst := nl.NetworkFlow().Endpoints()
	switch t := p.TransportLayer().(type) {
	case *layers.UDP:
		return pr.udp(net.IP(src.Raw()), net.IP(dst.Raw()), t, seen)
	case *layers.TCP:
		if t.SrcPort != 53 && t.DstPort != 53 {
			pr.stats.Skipped++
			return nil
		}
		pr.assembler.AssembleWithTimestamp(nl.NetworkFlow(), t, seen)
		// Connections the capture never saw close must not pile up.
		if pr.sinceGC++; pr.sinceGC >= 10000 {
			pr.sinceGC = 0
			pr.assembler.FlushOlderThan(seen.Add(-time.Minute))
		}
		return nil
	}
	pr.stats.Skipped++
	return nil
}

func (pr *pcapReader) udp(src, dst net.IP, u *layers.UDP, seen time.Time) error {
	if u.SrcPort != 53 && u.DstPort != 53 {
		pr.stats.Skipped++
		return nil
	}
	m := new(dns.Msg)
	if err := m.Unpack(u.Payload); err != nil {
		pr.undecodable(err)
		return nil
	}
	if u.DstPort == 53 && !m.Response {
		return pr.pairer.query("udp", hostPort(src, uint16(u.SrcPort)), m, seen)
	}
	if u.SrcPort == 53 && m.Response {
		return pr.pairer.response("udp", hostPort(dst, uint16(u.DstPort)), m, seen)
	}
	pr.stats.Skipped++
	return nil
}

// undecodable counts a DNS payload that did not unpack: cut short, or not DNS at all.
func (pr *pcapReader) undecodable(err error) {
	if errors.Is(err, dns.ErrShortRead) || errors.Is(err, dns.ErrBuf) {
		pr.stats.Truncated++
		return
	}
	pr.stats.Skipped++
}

func hostPort(ip net.IP, port uint16) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(int(port)))
}
