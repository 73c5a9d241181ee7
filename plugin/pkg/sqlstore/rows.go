package sqlstore

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"

	"github.com/hostdns/hostdns/plugin/pkg/rrtypes" // registers ALIAS, POOL, URL: they parse like any type
)

// DefaultTTL is the TTL of a row whose ttl is NULL, as PowerDNS's default-ttl.
const DefaultTTL = 3600

// Row is one row of the PowerDNS records table, as read from the database.
type Row struct {
	ID       int64
	DomainID int64
	Name     string // owner, without the trailing dot; may be "*.example.org"
	Type     string // empty for an empty-non-terminal row (type IS NULL)
	Content  string
	TTL      int64 // negative when NULL
	Prio     int64
	Disabled bool
}

// ToRR converts r into a resource record of zone (any form, with or without
// the trailing dot). It returns nil and no error for rows that hold no record:
// empty non-terminals (type NULL), which PowerDNS stores for DNSSEC's
// ordername and which the zone tree derives by itself. Disabled rows are the
// caller's business.
//
// PowerDNS stores names without the trailing dot, in the owner and in the
// rdata (CNAME target, MX exchange, ...); the dot is added before parsing so
// "mail.example.org" is not read as relative. MX and SRV take their priority
// from the prio column unless the content already starts with one and prio
// is 0 (see errTwoPrios). An abbreviated SOA gets PowerDNS's defaults.
//
// Content is read as PowerDNS 4.7 reads it where that differs from a zone
// file: TXT and SPF by its own rules (rows_text.go), ';' '(' ')' and line
// breaks outside quotes refused rather than read as zone-file syntax, the
// text fields of HINFO, NAPTR, CAA and URI quoted, \# only for the types
// PowerDNS has no parser for. Every record made packs, unpacks and re-parses
// to itself (FuzzToRR).
func ToRR(zone string, r Row) (dns.RR, error) {
	typ := strings.ToUpper(strings.TrimSpace(r.Type))
	if typ == "" {
		return nil, nil
	}
	if strings.ContainsAny(r.Name, " \t\n\r;()\"") {
		return nil, fmt.Errorf("record %d: line break or separator in name", r.ID)
	}
	t, ok := dns.StringToType[typ]
	if !ok {
		if n, ok2 := parseTypeN(typ); ok2 {
			t, ok = n, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("record %d: unknown type %q", r.ID, r.Type)
	}
	if t == dns.TypeOPT || t == dns.TypeANY || t == dns.TypeAXFR || t == dns.TypeIXFR {
		return nil, fmt.Errorf("record %d: type %s cannot be stored in a zone", r.ID, typ)
	}
	origin := dns.CanonicalName(dns.Fqdn(zone))
	owner := r.Name
	if owner == "" || owner == "@" {
		owner = origin
	}
	owner = fqdn(owner)
	if _, ok := dns.IsDomainName(owner); !ok {
		return nil, fmt.Errorf("record %d: bad name %q", r.ID, r.Name)
	}
	if !dns.IsSubDomain(origin, dns.CanonicalName(owner)) {
		return nil, fmt.Errorf("record %d: name %q is not in zone %s", r.ID, r.Name, origin)
	}
	ttl := r.TTL
	if ttl < 0 {
		ttl = DefaultTTL
	}
	if ttl > 1<<31-1 {
		return nil, fmt.Errorf("record %d: ttl %d out of range", r.ID, r.TTL)
	}
	if rr := addressRR(t, owner, uint32(ttl), strings.TrimSpace(r.Content)); rr != nil {
		return rr, nil
	}
	if t == dns.TypeTXT || t == dns.TypeSPF {
		rr, err := textRR(t, dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: uint32(ttl)}, r.Content)
		if err != nil {
			return nil, fmt.Errorf("record %d: %s %q: %v", r.ID, typ, r.Content, err)
		}
		return rr, nil
	}
	if strings.ContainsAny(r.Content, "\n\r") || bareSpecial(r.Content) {
		// The zone-file parser would read these as a comment, a group or
		// the next line; PowerDNS reads them as part of a field.
		return nil, fmt.Errorf("record %d: line break, ';', '(' or ')' outside quotes in content", r.ID)
	}
	if err := textFields(t, r.Content); err != nil {
		return nil, fmt.Errorf("record %d: %s %q: %v", r.ID, typ, r.Content, err)
	}
	content, err := rdata(t, strings.TrimSpace(r.Content), r.Prio)
	if err != nil {
		return nil, fmt.Errorf("record %d: %v", r.ID, err)
	}
	if rr := nameRR(dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: uint32(ttl)}, content); rr != nil {
		return rr, nil
	}
	line := fmt.Sprintf("%s %d IN %s %s", owner, ttl, typ, content)
	rr, err := dns.NewRR(line)
	if err != nil {
		return nil, fmt.Errorf("record %d: %s %q: %v", r.ID, typ, r.Content, err)
	}
	if rr == nil || rr.Header().Rrtype != t {
		return nil, fmt.Errorf("record %d: %s %q does not parse as one record", r.ID, typ, r.Content)
	}
	if strings.HasPrefix(content, `\#`) {
		// The generic form takes any octets, even none for an A record: keep
		// only what reads back in the type's own form, as a zone file would.
		if back, err := dns.NewRR(rr.String()); err != nil || back == nil {
			return nil, fmt.Errorf("record %d: %s %q is not a valid %s: %v", r.ID, typ, r.Content, typ, err)
		}
	}
	return rr, nil
}

// addressRR builds an A or AAAA record without the zone-file parser, which
// costs more than the rest of building a zone: most rows of a big zone are
// addresses. It returns exactly what the parser would (FuzzAddressRR checks
// that), and nil for anything it is not sure of, which then goes to the
// parser and gets its error message.
func addressRR(t uint16, owner string, ttl uint32, c string) dns.RR {
	if t != dns.TypeA && t != dns.TypeAAAA || c == "" {
		return nil
	}
	colon := false
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case b == ':':
			colon = true
		case b == '.' || '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F':
		default:
			return nil
		}
	}
	ip := net.ParseIP(c)
	if ip == nil {
		return nil
	}
	hdr := dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	switch {
	case t == dns.TypeA && !colon:
		return &dns.A{Hdr: hdr, A: ip}
	case t == dns.TypeAAAA && colon:
		return &dns.AAAA{Hdr: hdr, AAAA: ip}
	}
	return nil
}

// bareSpecial reports whether c holds ';', '(' or ')' outside double quotes.
func bareSpecial(c string) bool {
	in := false
	for i := 0; i < len(c); i++ {
		switch c[i] {
		case '\\':
			i++
		case '"':
			in = !in
		case ';', '(', ')':
			if !in {
				return true
			}
		}
	}
	return false
}

func parseTypeN(s string) (uint16, bool) {
	if !strings.HasPrefix(s, "TYPE") {
		return 0, false
	}
	var n uint16
	if _, err := fmt.Sscanf(s[4:], "%d", &n); err != nil || fmt.Sprint(n) != s[4:] {
		return 0, false
	}
	return n, true
}

// rdata rewrites PowerDNS content into zone-file rdata for type t: trailing
// dots on the names in it, prio in front for MX and SRV.
func rdata(t uint16, c string, prio int64) (string, error) {
	if strings.HasPrefix(c, `\#`) {
		if ownParser[t] {
			// PowerDNS reads RFC 3597's generic form only for the
			// types it has no parser of its own for.
			return "", fmt.Errorf("PowerDNS does not read \\# content for %s", dns.Type(t))
		}
		return c, nil // no names to qualify
	}
	f := strings.Fields(c)
	switch t {
	case dns.TypeCNAME, dns.TypeNS, dns.TypePTR, dns.TypeDNAME, dns.TypeMB, dns.TypeMD, dns.TypeMF, dns.TypeMG, dns.TypeMR:
		if len(f) != 1 {
			return "", fmt.Errorf("want one name, got %q", c)
		}
		return fqdn(f[0]), nil
	case dns.TypeMX, dns.TypeKX, dns.TypeRT, dns.TypeAFSDB:
		if len(f) == 1 && (t == dns.TypeMX) {
			f = []string{fmt.Sprint(prio), f[0]}
		} else if t == dns.TypeMX && prio != 0 {
			return "", errTwoPrios
		}
		if len(f) != 2 {
			return "", fmt.Errorf("want preference and name, got %q", c)
		}
		return f[0] + " " + fqdn(f[1]), nil
	case dns.TypeSRV:
		if len(f) == 3 {
			f = append([]string{fmt.Sprint(prio)}, f...)
		} else if prio != 0 {
			return "", errTwoPrios
		}
		if len(f) != 4 {
			return "", fmt.Errorf("want [priority] weight port target, got %q", c)
		}
		return strings.Join(f[:3], " ") + " " + fqdn(f[3]), nil
	case dns.TypeSOA:
		if len(f) < 2 || len(f) > 7 {
			return "", fmt.Errorf("want mname rname [serial refresh retry expire minimum], got %q", c)
		}
		def := []string{"0", "10800", "3600", "604800", "3600"} // PowerDNS's defaults
		out := []string{fqdn(f[0]), fqdn(f[1])}
		out = append(out, f[2:]...)
		out = append(out, def[len(f)-2:]...)
		return strings.Join(out, " "), nil
	case dns.TypeRP, dns.TypeMINFO:
		if len(f) != 2 {
			return "", fmt.Errorf("want two names, got %q", c)
		}
		return fqdn(f[0]) + " " + fqdn(f[1]), nil
	case dns.TypeNAPTR:
		if len(f) < 6 {
			return "", fmt.Errorf("want order pref flags service regexp replacement, got %q", c)
		}
		f[len(f)-1] = fqdn(f[len(f)-1])
		return strings.Join(f, " "), nil
	case dns.TypeSVCB, dns.TypeHTTPS:
		if len(f) < 2 {
			return "", fmt.Errorf("want priority target [params], got %q", c)
		}
		f[1] = fqdn(f[1])
		return strings.Join(f, " "), nil
	}
	// ALIAS and POOL targets: PowerDNS stores them without the dot too, and
	// rrtypes refuses relative targets.
	if t == rrtypes.TypeALIAS || t == rrtypes.TypePOOL {
		if len(f) < 1 || len(f) > 2 {
			return "", fmt.Errorf("want target [weight], got %q", c)
		}
		f[0] = fqdn(f[0])
		return strings.Join(f, " "), nil
	}
	return c, nil
}

// errTwoPrios: PowerDNS puts the prio column in front of MX and SRV content
// unless it is NULL, so a priority in both is trailing data it refuses. A
// prio of 0 cannot be told from NULL here (the snapshot keeps no NULL), so
// then the content's own priority is served, as PowerDNS does for NULL.
var errTwoPrios = errors.New("priority both in the prio column and in content")

// ownParser holds the types PowerDNS 4.7 has a content parser of its own for
// (pdns/dnsrecords.cc reportBasicTypes, reportOtherTypes).
var ownParser = map[uint16]bool{}

func init() {
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeCNAME, dns.TypeMX, dns.TypeSOA,
		dns.TypeSRV, dns.TypePTR, dns.TypeTXT, dns.TypeMB, dns.TypeMG, dns.TypeMR, dns.TypeAFSDB, dns.TypeDNAME,
		dns.TypeSPF, dns.TypeNAPTR, dns.TypeKX, dns.TypeLOC, dns.TypeHINFO, dns.TypeRP, dns.TypeKEY, dns.TypeDNSKEY,
		dns.TypeDHCID, dns.TypeCDNSKEY, dns.TypeRKEY, dns.TypeRRSIG, dns.TypeDS, dns.TypeCDS, dns.TypeSSHFP,
		dns.TypeCERT, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeTLSA, dns.TypeSMIMEA,
		dns.TypeOPENPGPKEY, dns.TypeSVCB, dns.TypeHTTPS, dns.TypeDLV, dns.TypeTSIG, dns.TypeTKEY, dns.TypeOPT,
		dns.TypeEUI48, dns.TypeEUI64, dns.TypeMINFO, dns.TypeURI, dns.TypeCAA, dns.TypeAPL, dns.TypeIPSECKEY,
		dns.TypeCSYNC, dns.TypeNID, dns.TypeL32, dns.TypeL64, dns.TypeLP, dns.TypeZONEMD,
		rrtypes.TypeALIAS, 65402 /* LUA */} {
		ownParser[t] = true
	}
}

// fqdn adds the trailing dot PowerDNS leaves out. "" and "." are the root. A
// name ending in an escaped dot ("a\.") still needs one.
func fqdn(s string) string {
	if s == "" || s == "." {
		return "."
	}
	if strings.HasSuffix(s, ".") {
		n := 0
		for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			return s
		}
	}
	return s + "."
}
