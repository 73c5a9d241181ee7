package capture

import (
	"encoding/binary"
	"net"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/tcpassembly"
	"github.com/miekg/dns"
)

// New is tcpassembly's StreamFactory: one stream per direction of a connection.
func (pr *pcapReader) New(netFlow, tcpFlow gopacket.Flow) tcpassembly.Stream {
	src, dst := netFlow.Endpoints()
	sport, dport := tcpFlow.Endpoints()
	s := &tcpStream{pr: pr}
	if binary.BigEndian.Uint16(dport.Raw()) == 53 {
		s.toServer = true
		s.client = hostPort(net.IP(src.Raw()), binary.BigEndian.Uint16(sport.Raw()))
	} else {
		s.client = hostPort(net.IP(dst.Raw()), binary.BigEndian.Uint16(dport.Raw()))
	}
	return s
}

// tcpStream holds one direction of a DNS-over-TCP connection and cuts it into messages by
// their two-octet length prefix (RFC 1035 4.2.2).
type tcpStream struct {
	pr       *pcapReader
	toServer bool
	client   string
	buf      []byte
}

func (s *tcpStream) Reassembled(rs []tcpassembly.Reassembly) {
	for _, r := range rs {
		if r.Skip != 0 {
			// Bytes are missing (lost, or before the capture began): a message cut in two
			// cannot be read. Start afresh and hope the next bytes begin a message.
			if len(s.buf) > 0 {
				s.pr.stats.Truncated++
			}
			s.buf = s.buf[:0]
		}
		s.buf = append(s.buf, r.Bytes...)
		s.messages(r.Seen)
	}
}

func (s *tcpStream) messages(seen time.Time) {
	for len(s.buf) >= 2 && s.pr.err == nil {
		n := int(binary.BigEndian.Uint16(s.buf))
		if len(s.buf) < 2+n {
			return
		}
		wire := s.buf[2 : 2+n]
		m := new(dns.Msg)
		if err := m.Unpack(wire); err != nil {
			s.pr.undecodable(err)
		} else if s.toServer && !m.Response {
			s.pr.err = s.pr.pairer.query("tcp", s.client, m, seen)
		} else if !s.toServer && m.Response {
			s.pr.err = s.pr.pairer.response("tcp", s.client, m, seen)
		} else {
			s.pr.stats.Skipped++
		}
		s.buf = s.buf[2+n:]
	}
}

func (s *tcpStream) ReassemblyComplete() {
	if len(s.buf) > 0 {
		s.pr.stats.Truncated++
	}
	s.buf = nil
}
