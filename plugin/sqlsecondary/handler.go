package sqlsecondary

import (
	"context"
	"net"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

// ServeDNS answers NOTIFYs for secondary zones and every query inside an
// expired one; the rest goes down the chain.
func (s *Secondary) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if len(r.Question) != 1 || r.Response {
		return plugin.NextOrFailure(s.Name(), s.Next, ctx, w, r)
	}
	if r.Opcode == dns.OpcodeNotify {
		if s.notify(ctx, w, r) {
			// Answered here, whatever its rcode: the server must not
			// write an error answer after ours.
			return dns.RcodeSuccess, nil
		}
		return plugin.NextOrFailure(s.Name(), s.Next, ctx, w, r)
	}
	if r.Opcode == dns.OpcodeQuery && s.expiredZone(r.Question[0].Name, s.now()) {
		// RFC 1035 section 4.3.5: an expired zone is no longer served.
		return dns.RcodeServerFailure, nil
	}
	return plugin.NextOrFailure(s.Name(), s.Next, ctx, w, r)
}

// notify handles a NOTIFY (RFC 1996): for a secondary zone, from one of its
// primaries, it is acknowledged and the zone checked now; from anyone else
// refused and counted. A NOTIFY for an unknown zone from a supermaster
// creates the zone when autosecondary is on. It reports whether it
// answered: a NOTIFY that is not ours goes down the chain.
func (s *Secondary) notify(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) bool {
	name := dns.CanonicalName(r.Question[0].Name)
	ip := remoteIP(w)
	s.mu.RLock()
	z := s.byName[name]
	var id int64
	fromMaster := false
	if z != nil {
		id, fromMaster = z.id, z.ips[ip]
	}
	sms, super := s.supers[ip]
	s.mu.RUnlock()
	switch {
	case z != nil && fromMaster:
		notifies.WithLabelValues("accepted").Inc()
		s.checkNow(id)
		reply(w, r, dns.RcodeSuccess)
		return true
	case z != nil:
		notifies.WithLabelValues("refused").Inc()
		reply(w, r, dns.RcodeRefused)
		return true
	case s.cfg.autosecondary && super:
		s.autoCreate(ctx, w, r, name, ip, sms)
		return true
	}
	return false
}

// autoCreate inserts the domains row of a zone a supermaster NOTIFYs, as
// PowerDNS's autosecondary does, and has the rows read again so it is
// pulled at once.
func (s *Secondary) autoCreate(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, zone, ip string, sms []supermaster) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	master := ip // port 53, as PowerDNS writes it
	if s.autoPort != "53" {
		master = net.JoinHostPort(ip, s.autoPort)
	}
	sm, err := vouching(ctx, zone, net.JoinHostPort(ip, s.autoPort), sms)
	if err != nil {
		log.Warningf("autosecondary: not creating %s from %s: %v", zone, ip, err)
		notifies.WithLabelValues("refused").Inc()
		reply(w, r, dns.RcodeRefused)
		return
	}
	if err := s.db.createSlave(ctx, zone, master, sm.account); err != nil {
		log.Errorf("autosecondary: creating %s from %s: %v", zone, ip, err)
		notifies.WithLabelValues("error").Inc()
		reply(w, r, dns.RcodeServerFailure)
		return
	}
	log.Infof("autosecondary: created %s, primary %s, nameserver %s, account %q", zone, ip, sm.nameserver, sm.account)
	notifies.WithLabelValues("autosecondary").Inc()
	signal(s.reread)
	reply(w, r, dns.RcodeSuccess)
}

// reply answers r with rcode, authoritatively, the question echoed.
func reply(w dns.ResponseWriter, r *dns.Msg, rcode int) {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.Authoritative = rcode == dns.RcodeSuccess
	w.WriteMsg(m)
}

// remoteIP is the client's address without port, unmapped.
func remoteIP(w dns.ResponseWriter) string {
	var ip net.IP
	switch a := w.RemoteAddr().(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	default:
		h, _, _ := net.SplitHostPort(w.RemoteAddr().String())
		ip = net.ParseIP(h)
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.String()
}
