package answercache

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"net"
	"time"

	"github.com/coredns/coredns/core/dnsserver"

	"github.com/miekg/dns"
)

// maxUDPAnswer is the largest answer a hit can send over UDP.
const maxUDPAnswer = 65535

// serve reads the socket's packets in batches until it is closed: hits are answered in
// one batched write, everything else is handed to the server.
func (l *fastLoop) serve() {
	defer close(l.done)
	p := l.p
	rx := newRxBatch()
	tx := newTxBatch(min(p.c.store.maxEntry, maxUDPAnswer))
	var key [keyMax]byte
	var meta entryMeta
	for {
		n, err := l.sock.read(rx)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var start time.Time // for prometheus' request duration
		if l.report != nil {
			start = time.Now()
		}
		now := p.c.clock.Now()
		for i := 0; i < n; i++ {
			pkt := rx.packet(i)
			switch {
			case pkt == nil:
				l.handoff(rx.bufs[i], rx, i) // cut short at 512 bytes, as miekg/dns reads it
			case p.isProbe(pkt):
				l.probes.Add(1)
			default:
				if size, k := p.hit(pkt, tx.bufs[tx.n], key[:0], &meta, now); size > 0 {
					l.report.hit(p.srv.Addr, pkt, k, meta.rcode, size, start)
					tx.add(size, rx, i)
					continue
				}
				l.handoff(pkt, rx, i)
			}
		}
		if tx.n > 0 {
			l.sock.write(tx)
		}
	}
}

// hit writes into dst the stored answer to pkt, patched for it, and returns its size (0
// when there is none, or pkt is not keyed from the wire) and pkt's key.
func (p *fastPath) hit(pkt, dst, keyBuf []byte, meta *entryMeta, now int64) (int, key) {
	c := p.c
	k, qlen, ok := wireKey(keyBuf, pkt)
	if !ok || !inZones(k.name, c.zones) {
		return 0, k
	}
	h := maphash.Bytes(c.seed, k.b)
	// The doorkeeper is left to the server's own lookup, which a miss goes on to.
	n, res := c.store.get(h, k.b, now, dst, meta, false)
	if res == resStale {
		p.m.invalidations.Inc()
	}
	if res != resHit {
		return 0, k
	}
	q := 12 + qlen
	if n < q || !bytes.EqualFold(dst[12:q], pkt[12:q]) {
		return 0, k
	}
	p.m.hits.Inc()
	p.m.fastHits.Inc()
	if meta.evicted > 0 {
		p.m.evictions.Add(float64(meta.evicted))
	}
	dst[0], dst[1] = pkt[0], pkt[1]
	dst[2] = dst[2]&^1 | pkt[2]&1 // RD
	copy(dst[12:q], pkt[12:q])    // the name as the client cased it
	return n, k
}

// handoff gives the i-th packet to the server, as miekg/dns gives it a packet: header
// checks, unpacking, then the server's ServeDNS with a writer that answers from this
// socket.
func (l *fastLoop) handoff(pkt []byte, rx *rxBatch, i int) {
	p := l.p
	if len(pkt) < 12 {
		return // miekg/dns lets such senders hang: any reply could amplify
	}
	w := &fastWriter{sock: l.sock, remote: rx.sender(i), port: p.target.Port}
	if dst := rx.dst(i); dst != nil {
		w.src = net.IPv4(dst[0], dst[1], dst[2], dst[3]).To4()
	}
	raw := append([]byte(nil), pkt...)
	go p.serveMiss(raw, w)
}

// serveMiss is miekg/dns's serveDNS for one packet, with its accept policy, then the
// server's handler as CoreDNS's ServePacket sets it up.
func (p *fastPath) serveMiss(raw []byte, w *fastWriter) {
	// The server's own policy, unless a block opted into another opcode (dynupdate's
	// UPDATE), which blocks with the fast path do not (see fastBlockers).
	action := dns.DefaultMsgAcceptFunc(wireHeader(raw))
	req := new(dns.Msg)
	switch action {
	case dns.MsgIgnore:
		return
	case dns.MsgAccept:
		if err := req.Unpack(raw); err == nil {
			w.tsig = req.IsTsig() != nil
			ctx := context.WithValue(context.Background(), dnsserver.Key{}, p.srv)
			ctx = context.WithValue(ctx, dnsserver.LoopKey{}, 0)
			p.srv.ServeDNS(ctx, w, req)
			return
		}
	default:
		req.Unpack(raw[:12]) // the header only, as miekg/dns has it when it rejects
	}
	opcode := req.Opcode
	req.SetRcodeFormatError(req)
	req.Zero = false
	if action == dns.MsgRejectNotImplemented {
		req.Opcode, req.Rcode = opcode, dns.RcodeNotImplemented
	}
	req.Ns, req.Answer, req.Extra = nil, nil, nil
	w.WriteMsg(req)
}

// fastWriter is the dns.ResponseWriter of a request the fast path handed to the server.
type fastWriter struct {
	sock   *fastSocket
	remote *net.UDPAddr
	src    net.IP // the address the query was sent to
	port   int
	tsig   bool // the request is TSIG-signed
}

func (w *fastWriter) LocalAddr() net.Addr  { return &net.UDPAddr{IP: w.src, Port: w.port} }
func (w *fastWriter) RemoteAddr() net.Addr { return w.remote }
func (w *fastWriter) Network() string      { return "udp" }
func (w *fastWriter) Close() error         { return nil }
func (w *fastWriter) TsigTimersOnly(bool)  {}
func (w *fastWriter) Hijack()              {}

// TsigStatus implements dns.ResponseWriter. The fast path only runs for servers without
// TSIG secrets, where miekg/dns fails every signature for want of its key.
func (w *fastWriter) TsigStatus() error {
	if w.tsig {
		return dns.ErrSecret
	}
	return nil
}

// WriteMsg implements dns.ResponseWriter.
func (w *fastWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Write implements dns.ResponseWriter.
func (w *fastWriter) Write(b []byte) (int, error) {
	if err := w.sock.writeOne(b, w.remote, w.src); err != nil {
		return 0, err
	}
	return len(b), nil
}
