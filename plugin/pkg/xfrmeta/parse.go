package xfrmeta

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Row is one domainmetadata row.
type Row struct {
	Kind    string
	Content string
}

// Parse makes the settings of a zone from its domainmetadata rows, in row
// order. Kinds are matched exactly, as PowerDNS does; other kinds are
// ignored. A bad row is skipped and said in Problems: the others still count.
func Parse(rows []Row) Zone {
	var z Zone
	for _, r := range rows {
		if err := z.add(r); err != nil {
			z.Problems = append(z.Problems, fmt.Sprintf("%s %q: %v", r.Kind, r.Content, err))
		}
	}
	return z
}

func (z *Zone) add(r Row) error {
	c := strings.TrimSpace(r.Content)
	switch r.Kind {
	case KindAllowAXFRFrom:
		if strings.EqualFold(c, AutoNS) {
			z.AutoNS = true
			return nil
		}
		p, err := ParsePrefix(c)
		if err == nil {
			z.Allow = append(z.Allow, p)
		}
		return err
	case KindAlsoNotify:
		a, err := ParseHostPort(c, "53")
		if err == nil {
			z.AlsoNotify = append(z.AlsoNotify, a)
		}
		return err
	case KindTSIGAllowAXFR:
		k, err := ParseKeyName(c)
		if err == nil {
			z.Keys = append(z.Keys, k)
		}
		return err
	case KindAXFRMasterTSIG:
		k, err := ParseKeyName(c)
		if err == nil && z.MasterKey == "" {
			z.MasterKey = k // PowerDNS uses the first
		}
		return err
	}
	return nil
}

// ParsePrefix reads a CIDR prefix, or an address as its host prefix. The
// prefix is masked (192.0.2.7/24 is 192.0.2.0/24) and an IPv4-mapped IPv6
// address is taken as IPv4, as secondaries' sources are compared so.
func ParsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an address or prefix")
		}
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or prefix")
	}
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("mapped IPv4 prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked(), nil
}

// ParseHostPort reads an IP address with an optional port (192.0.2.1,
// 192.0.2.1:5300, 2001:db8::1, [2001:db8::1]:5300) and returns it as
// host:port, with port def when none is given. Names are refused: a
// NOTIFY target is an address.
func ParseHostPort(s, def string) (string, error) {
	host, port := s, def
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return "", fmt.Errorf("not an IP address")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("bad port %q", port)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(n)).String(), nil
}

// ParseKeyName reads a TSIG key name: lower case, fully qualified.
func ParseKeyName(s string) (string, error) {
	if s == "" || s == "." {
		return "", fmt.Errorf("empty key name")
	}
	if _, ok := dns.IsDomainName(s); !ok {
		return "", fmt.Errorf("not a domain name")
	}
	n := dns.CanonicalName(s)
	buf := make([]byte, 256)
	if _, err := dns.PackDomainName(n, buf, 0, nil, false); err != nil || !dns.IsFqdn(n) {
		return "", fmt.Errorf("not a domain name")
	}
	return n, nil
}

// algorithms maps the names PowerDNS and BIND write (hmac-sha256) to the
// fully qualified ones of miekg/dns. HMAC-MD5 is absent: miekg/dns no
// longer signs or verifies with it.
var algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// ParseKey checks a tsigkeys row (or a Corefile key): its name, its
// algorithm (hmac-sha256 or hmac-sha256.) and its base64 secret.
func ParseKey(name, algorithm, secret string) (Key, error) {
	n, err := ParseKeyName(name)
	if err != nil {
		return Key{}, fmt.Errorf("key %q: %v", name, err)
	}
	alg, ok := algorithms[strings.TrimSuffix(strings.ToLower(strings.TrimSpace(algorithm)), ".")]
	if !ok {
		return Key{}, fmt.Errorf("key %s: unsupported algorithm %q (want hmac-sha1, -sha224, -sha256, -sha384 or -sha512)", n, algorithm)
	}
	secret = strings.TrimSpace(secret)
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return Key{}, fmt.Errorf("key %s: secret is not base64", n)
	}
	return Key{Name: n, Algorithm: alg, Secret: secret}, nil
}
