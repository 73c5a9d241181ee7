package pdnskeys

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// MetaRow is one row of the domainmetadata table. It has the fields of
// sqlstore.MetaRow, so that MetaRow(r) converts one.
type MetaRow struct {
	Kind    string
	Content string
}

// MaxNSEC3Iterations is PowerDNS's default max-nsec3-iterations: a signed
// zone's NSEC3PARAM with more iterations is served with this many.
const MaxNSEC3Iterations = 100

// soaEdits are the SOA-EDIT values of PowerDNS's calculateEditSOA.
var soaEdits = map[string]bool{"NONE": true, "INCREMENT-WEEKS": true, "INCEPTION-EPOCH": true, "INCEPTION-INCREMENT": true, "EPOCH": true}

// ParseMeta reads the DNSSEC kinds among rows of the zone origin as
// PowerDNS's DNSSECKeeper does (dbdnsseckeeper.cc): a kind is matched
// exactly (getFromMeta looks it up in a case-sensitive map, so
// "nsec3param" is not NSEC3PARAM), its first row counts and an empty value
// is the kind unset. Other kinds are ignored. A value PowerDNS fails on or
// ignores leaves its kind unset and is returned as an error to log; an
// NSEC3PARAM PowerDNS adjusts (iterations above MaxNSEC3Iterations, hash
// algorithm other than 1) is adjusted, with an error saying so.
func ParseMeta(origin string, rows []MetaRow) (Meta, []error) {
	var (
		m    Meta
		errs []error
		seen = map[string]bool{}
	)
	for _, r := range rows {
		if seen[r.Kind] {
			continue
		}
		seen[r.Kind] = true
		if err := m.set(origin, r.Kind, r.Content); err != nil {
			errs = append(errs, fmt.Errorf("domainmetadata %s %q: %w", r.Kind, r.Content, err))
		}
	}
	// getNSEC3PARAM's adjustments; a PRESIGNED zone's iterations are its own.
	if p := m.NSEC3; p != nil {
		if p.Iterations > MaxNSEC3Iterations && !m.Presigned {
			errs = append(errs, fmt.Errorf("domainmetadata NSEC3PARAM: %d iterations above max-nsec3-iterations, using %d", p.Iterations, MaxNSEC3Iterations))
			p.Iterations = MaxNSEC3Iterations
		}
		if p.Hash != dns.SHA1 {
			errs = append(errs, fmt.Errorf("domainmetadata NSEC3PARAM: hash algorithm %d, using 1 (SHA-1)", p.Hash))
			p.Hash = dns.SHA1
		}
	}
	return m, errs
}

// set sets kind from v, or returns why not.
func (m *Meta) set(origin, kind, v string) error {
	if v == "" {
		return nil
	}
	switch kind {
	case "NSEC3PARAM":
		p, err := parseNSEC3PARAM(origin, v)
		m.NSEC3 = p
		return err
	case "NSEC3NARROW":
		m.Narrow = v == "1"
		return onlyOne(v)
	case "PRESIGNED":
		m.Presigned = v == "1"
		return onlyOne(v)
	case "SOA-EDIT":
		// calculateEditSOA compares without case; an unknown value is logged
		// and leaves the serial as it is.
		if !soaEdits[strings.ToUpper(v)] {
			return errors.New("unknown SOA-EDIT, the serial is left as it is")
		}
		m.SOAEdit = strings.ToUpper(v)
	case "PUBLISH-CDS":
		d, err := parseDigests(v)
		m.PublishCDS = d
		return err
	case "PUBLISH-CDNSKEY":
		// addCDNSKEY: "0" publishes the delete CDNSKEY, any other value the
		// keys.
		b := v != "0"
		m.PublishCDNSKEY = &b
	}
	return nil
}

// onlyOne: PowerDNS reads a flag as on when it is "1", off otherwise.
func onlyOne(v string) error {
	if v != "1" && v != "0" {
		return errors.New(`not "1", PowerDNS reads it as off`)
	}
	return nil
}

// parseNSEC3PARAM reads "1 0 0 -" or "1 1 10 ab12" (hash algorithm, flags,
// iterations, salt in hex or "-" for none) as NSEC3PARAMRecordContent's
// text constructor does: the four fields are required, more are ignored.
// Flags are kept as written; bit 0 is opt-out (RFC 5155 section 6), and
// the NSEC3PARAM record served has flags 0 (section 4.1.2).
func parseNSEC3PARAM(origin, v string) (*dns.NSEC3PARAM, error) {
	f := strings.Fields(v)
	if len(f) < 4 {
		return nil, errors.New("want hash algorithm, flags, iterations and salt")
	}
	var n [3]uint64
	for i, bits := range []int{8, 8, 16} {
		if strings.TrimLeft(f[i], "0123456789") != "" {
			return nil, fmt.Errorf("%q is not a number", f[i])
		}
		var err error
		if n[i], err = strconv.ParseUint(f[i], 10, bits); err != nil {
			return nil, fmt.Errorf("%q out of range", f[i])
		}
	}
	salt := f[3]
	if salt == "-" {
		salt = ""
	}
	b, err := hex.DecodeString(salt)
	if err != nil || len(b) > 255 {
		return nil, fmt.Errorf("salt %q: want up to 255 bytes in hex, or -", f[3])
	}
	return &dns.NSEC3PARAM{
		Hdr:        dns.RR_Header{Name: origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET},
		Hash:       uint8(n[0]),
		Flags:      uint8(n[1]),
		Iterations: uint16(n[2]),
		SaltLength: uint8(len(b)),
		Salt:       strings.ToUpper(salt),
	}, nil
}

// parseDigests reads PUBLISH-CDS as addCDS does: digest types separated by
// commas or spaces. A "0" among them publishes the delete CDS (RFC 8078
// section 4) and nothing else, whatever the others are: the result is then
// [0]. Otherwise each must be a digest type PowerDNS makes (1 SHA-1,
// 2 SHA-256, 4 SHA-384), else PowerDNS fails to answer CDS queries.
func parseDigests(v string) ([]uint8, error) {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	for _, s := range f {
		if s == "0" {
			return []uint8{0}, nil
		}
	}
	if len(f) == 0 {
		return nil, errors.New("no digest type")
	}
	var out []uint8
	for _, s := range f {
		d, err := strconv.ParseUint(s, 10, 8)
		if err != nil || (uint8(d) != dns.SHA1 && uint8(d) != dns.SHA256 && uint8(d) != dns.SHA384) {
			return nil, fmt.Errorf("digest type %q: want 1, 2, 4, or 0 for delete", s)
		}
		if !slices.Contains(out, uint8(d)) { // an RRset holds no duplicates (RFC 2181 section 5)
			out = append(out, uint8(d))
		}
	}
	return out, nil
}
