package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	dnstap "github.com/dnstap/golang-dnstap"
	framestream "github.com/farsightsec/golang-framestream"
	"github.com/miekg/dns"
	"google.golang.org/protobuf/proto"
)

// maxDnstapFrame bounds one frame: a dnstap message is a DNS message (at most 64 KiB) and a
// few addresses; anything larger is skipped, not allocated.
const maxDnstapFrame = 96 << 10

// ReadDnstap reads a dnstap file (Frame Streams, content type protobuf:dnstap.Dnstap), as
// written by `dnstap -w`, or by a receiver of CoreDNS's or PowerDNS's dnstap output. Query
// messages (CLIENT_QUERY from CoreDNS, AUTH_QUERY from PowerDNS) are the queries; response
// messages of the same kind are paired with them. Messages logged without the DNS message
// itself (CoreDNS's dnstap without "full") cannot be replayed: the error says so.
func ReadDnstap(r io.Reader, h Handler) (Stats, error) {
	var st Stats
	fr, err := dnstap.NewReader(bufio.NewReaderSize(r, 1<<16), nil)
	if err != nil {
		return st, fmt.Errorf("not a dnstap file: %w", err)
	}
	p := newPairer(h, &st)
	buf := make([]byte, maxDnstapFrame)
	bare := 0 // query frames without the DNS message
	for {
		n, err := fr.ReadFrame(buf)
		if errors.Is(err, framestream.ErrDataFrameTooLarge) {
			st.Records++
			st.Skipped++
			continue
		}
		if err == io.EOF {
			break // the stop frame, or a writer that ended without one
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return st, fmt.Errorf("frame %d: the file ends in the middle of a frame (truncated file?)", st.Records+1)
			}
			return st, fmt.Errorf("frame %d: %w", st.Records+1, err)
		}
		st.Records++
		var d dnstap.Dnstap
		if err := proto.Unmarshal(buf[:n], &d); err != nil {
			return st, fmt.Errorf("frame %d: not a dnstap message: %w", st.Records, err)
		}
		isBare, err := dnstapMessage(p, &st, d.GetMessage())
		if err != nil {
			return st, err
		}
		if isBare {
			bare++
		}
	}
	if err := p.close(); err != nil {
		return st, err
	}
	if st.Queries == 0 {
		if bare > 0 {
			return st, fmt.Errorf("%w: %d query messages were logged without the DNS message; log with `dnstap ... full` (CoreDNS) or log-queries (PowerDNS)", ErrNoQueries, bare)
		}
		return st, fmt.Errorf("%w in %d frames", ErrNoQueries, st.Records)
	}
	return st, nil
}

// dnstapMessage hands one dnstap message to the pairer. It tells whether it was a query
// logged without its DNS message.
func dnstapMessage(p *pairer, st *Stats, m *dnstap.Message) (bare bool, err error) {
	if m == nil {
		st.Skipped++
		return false, nil
	}
	network := "udp"
	switch m.GetSocketProtocol() {
	case dnstap.SocketProtocol_UDP:
	case dnstap.SocketProtocol_TCP:
		network = "tcp"
	default:
		st.Skipped++ // DoT, DoH, DoQ: replayed as what they carry would need their own client
		return false, nil
	}
	client := hostPort(net.IP(m.GetQueryAddress()), uint16(m.GetQueryPort()))
	switch m.GetType() {
	case dnstap.Message_CLIENT_QUERY, dnstap.Message_AUTH_QUERY:
		wire := m.GetQueryMessage()
		if len(wire) == 0 {
			st.Skipped++
			return true, nil
		}
		msg, ok := unpack(st, wire)
		if !ok {
			return false, nil
		}
		return false, p.query(network, client, msg, stamp(m.GetQueryTimeSec(), m.GetQueryTimeNsec()))
	case dnstap.Message_CLIENT_RESPONSE, dnstap.Message_AUTH_RESPONSE:
		msg, ok := unpack(st, m.GetResponseMessage())
		if !ok {
			return false, nil
		}
		return false, p.response(network, client, msg, stamp(m.GetResponseTimeSec(), m.GetResponseTimeNsec()))
	}
	st.Skipped++
	return false, nil
}

func unpack(st *Stats, wire []byte) (*dns.Msg, bool) {
	if len(wire) == 0 {
		st.Skipped++
		return nil, false
	}
	m := new(dns.Msg)
	if err := m.Unpack(wire); err != nil {
		if errors.Is(err, dns.ErrShortRead) || errors.Is(err, dns.ErrBuf) {
			st.Truncated++
		} else {
			st.Skipped++
		}
		return nil, false
	}
	return m, true
}

func stamp(sec uint64, nsec uint32) time.Time {
	if sec > 1<<40 {
		return time.Time{}
	}
	return time.Unix(int64(sec), int64(nsec))
}
