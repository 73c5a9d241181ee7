package replay

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// client asks one server, over connections it keeps: one connected UDP socket and one TCP
// connection, reused query after query by the worker that owns the client. A fresh socket per
// query would cost a million socket setups on a million-query replay.
type client struct {
	addr    string
	timeout time.Duration
	udp     net.Conn
	tcp     *dns.Conn
	buf     []byte // one UDP datagram, reused
}

func newClient(addr string, timeout time.Duration) *client {
	return &client{addr: addr, timeout: timeout, buf: make([]byte, dns.MaxMsgSize)}
}

// exchange asks q over network, retrying up to retries times after a timeout or a broken
// connection, each time with a new message id.
func (c *client) exchange(q *dns.Msg, network string, retries int) (*dns.Msg, error) {
	var err error
	for try := 0; try <= retries; try++ {
		m := q.Copy()
		m.Id = dns.Id()
		var r *dns.Msg
		if network == "tcp" {
			r, err = c.overTCP(m)
		} else {
			r, err = c.overUDP(m)
		}
		if err == nil {
			return r, nil
		}
		c.close()
	}
	return nil, fmt.Errorf("%s: %w (%d tries)", c.addr, err, retries+1)
}

func (c *client) overUDP(m *dns.Msg) (*dns.Msg, error) {
	if c.udp == nil {
		conn, err := net.DialTimeout("udp", c.addr, c.timeout)
		if err != nil {
			return nil, err
		}
		c.udp = conn
	}
	wire, err := m.Pack()
	if err != nil {
		return nil, err
	}
	c.udp.SetDeadline(time.Now().Add(c.timeout))
	if _, err := c.udp.Write(wire); err != nil {
		return nil, err
	}
	for {
		n, err := c.udp.Read(c.buf)
		if err != nil {
			return nil, err
		}
		r := new(dns.Msg)
		if err := r.Unpack(c.buf[:n]); err != nil {
			if len(c.buf[:n]) >= 2 && int(c.buf[0])<<8|int(c.buf[1]) == int(m.Id) {
				return nil, fmt.Errorf("answer does not parse: %w", err)
			}
			continue
		}
		// A late answer to an earlier try is not this one's.
		if r.Id == m.Id && sameQuestion(r, m) {
			return r, nil
		}
	}
}

func (c *client) overTCP(m *dns.Msg) (*dns.Msg, error) {
	if c.tcp == nil {
		conn, err := dns.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return nil, err
		}
		c.tcp = conn
	}
	c.tcp.SetDeadline(time.Now().Add(c.timeout))
	if err := c.tcp.WriteMsg(m); err != nil {
		return nil, err
	}
	for {
		r, err := c.tcp.ReadMsg()
		if err != nil {
			return nil, err
		}
		if r.Id == m.Id {
			return r, nil
		}
	}
}

// sameQuestion tells an answer to m; some servers leave the question out of a FORMERR or
// NOTIMP, which is still the answer.
func sameQuestion(r, m *dns.Msg) bool {
	if len(r.Question) == 0 {
		return true
	}
	return len(r.Question) == 1 && strings.EqualFold(r.Question[0].Name, m.Question[0].Name) &&
		r.Question[0].Qtype == m.Question[0].Qtype
}

func (c *client) close() {
	if c.udp != nil {
		c.udp.Close()
		c.udp = nil
	}
	if c.tcp != nil {
		c.tcp.Close()
		c.tcp = nil
	}
}
