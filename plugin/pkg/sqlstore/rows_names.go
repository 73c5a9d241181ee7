package sqlstore

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// nameRR builds an NS, CNAME, PTR, MX or SOA record from rdata (as rdata()
// wrote it: names fully qualified, MX preference first) without the
// zone-file parser, which costs as much as the rest of loading a zone: a
// third of a typical zone's rows are of these types. Like addressRR it
// returns exactly what the parser would (FuzzNameRR checks that), and nil
// for anything it is not sure of, which then goes to the parser.
func nameRR(hdr dns.RR_Header, rdata string) dns.RR {
	f := strings.Split(rdata, " ")
	switch hdr.Rrtype {
	case dns.TypeNS, dns.TypeCNAME, dns.TypePTR:
		if len(f) != 1 || !plainName(f[0]) {
			return nil
		}
		switch hdr.Rrtype {
		case dns.TypeNS:
			return &dns.NS{Hdr: hdr, Ns: f[0]}
		case dns.TypeCNAME:
			return &dns.CNAME{Hdr: hdr, Target: f[0]}
		}
		return &dns.PTR{Hdr: hdr, Ptr: f[0]}
	case dns.TypeMX:
		pref, ok := number(f, 0, 16)
		if len(f) != 2 || !ok || !plainName(f[1]) {
			return nil
		}
		return &dns.MX{Hdr: hdr, Preference: uint16(pref), Mx: f[1]}
	case dns.TypeSOA:
		return soaRR(hdr, f)
	}
	return nil
}

// soaRR is nameRR for an SOA: two names, then five plain numbers (the
// parser also reads "1h" and the like: those go to it).
func soaRR(hdr dns.RR_Header, f []string) dns.RR {
	if len(f) != 7 || !plainName(f[0]) || !plainName(f[1]) {
		return nil
	}
	var v [5]uint32
	for i := range v {
		n, ok := number(f, i+2, 32)
		if !ok {
			return nil
		}
		v[i] = uint32(n)
	}
	// Copies: the names would otherwise keep the whole rdata string alive.
	ns, mbox := strings.Clone(f[0]), strings.Clone(f[1])
	return &dns.SOA{Hdr: hdr, Ns: ns, Mbox: mbox, Serial: v[0], Refresh: v[1], Retry: v[2], Expire: v[3], Minttl: v[4]}
}

// number parses field i of f as a decimal of at most bits bits, digits only.
func number(f []string, i, bits int) (uint64, bool) {
	if i >= len(f) || f[i] == "" || strings.Trim(f[i], "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(f[i], 10, bits)
	return n, err == nil
}

// plainName reports whether s is a fully qualified name the parser takes as
// it is written: letters, digits, '-', '_' and '*' in labels of 1 to 63
// octets, nothing it would read as an escape, an origin or a quote.
func plainName(s string) bool {
	if len(s) < 2 || len(s) > 254 || s[len(s)-1] != '.' {
		return s == "."
	}
	label := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '*':
			if label++; label > 63 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
