package sqlstore

import (
	"errors"
	"strings"

	"github.com/miekg/dns"
)

// PowerDNS reads the content of TXT and SPF rows with rules of its own, not
// the zone-file parser's (pdns/rcpgenerator.cc xfrText, pdns/dnslabeltext.rl
// segmentDNSText in PowerDNS 4.7), and hostdns must serve the same strings:
//
//   - TXT content that is not empty and does not start with a double quote
//     is one string: the backend wraps it in quotes as it is, so spaces, ';'
//     and '(' are plain text ("v=spf1 mx -all" is one string, not three).
//     SPF content is not wrapped.
//   - Quoted content is a list of strings, "a" "b" or "a""b"; a last unquoted
//     word of letters and digits only is a string too. Anything else outside
//     quotes, or a missing closing quote, and PowerDNS refuses the row.
//   - Inside quotes \X is the octet X (\" and \\ included) and \DDD the octet
//     DDD modulo 256; a backslash before fewer than three digits is refused.
//   - A string longer than 255 octets is split into strings of 255: a record
//     never fails for its length.
//   - Empty content is one empty string, the smallest rdata a TXT may have.
//
// Leading and trailing blanks (space, tab, CR, LF) are cut after the TXT
// wrapping, as PowerDNS does.

// textRR builds the TXT or SPF record of content by PowerDNS's rules.
func textRR(t uint16, hdr dns.RR_Header, content string) (dns.RR, error) {
	strs, err := pdnsText(content, t == dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	if t == dns.TypeSPF {
		return &dns.SPF{Hdr: hdr, Txt: strs}, nil
	}
	return &dns.TXT{Hdr: hdr, Txt: strs}, nil
}

// maxString is the longest character-string (RFC 1035 3.3).
const maxString = 255

var (
	errTextUnquoted = errors.New("text outside quotes must be letters and digits only")
	errTextOpen     = errors.New("missing closing quote")
	errTextEscape   = errors.New(`backslash must be followed by one non-digit or three digits`)
)

// pdnsText returns the character-strings of TXT (wrap) or SPF content, in
// the escaped form miekg/dns keeps in TXT.Txt.
func pdnsText(c string, wrap bool) ([]string, error) {
	if wrap && c != "" && c[0] != '"' {
		c = `"` + c + `"`
	}
	c = strings.Trim(c, " \t\r\n")
	if c == "" {
		return []string{""}, nil
	}
	var out []string
	for i := 0; i < len(c); {
		for isBlank(c[i]) {
			i++
		}
		if c[i] != '"' {
			if !isAlnum(c[i:]) {
				return nil, errTextUnquoted
			}
			out = appendSplit(out, []byte(c[i:]))
			break
		}
		s, n, err := quoted(c[i:])
		if err != nil {
			return nil, err
		}
		out = appendSplit(out, s)
		i += n
	}
	return out, nil
}

// quoted reads the string that opens c (c[0] is '"') and returns its octets
// and the length of its text, quotes included.
func quoted(c string) ([]byte, int, error) {
	var s []byte
	for i := 1; i < len(c); i++ {
		switch b := c[i]; {
		case b == '"':
			return s, i + 1, nil
		case b != '\\':
			s = append(s, b)
		case i+1 >= len(c):
			return nil, 0, errTextOpen
		case !isDigit(c[i+1]):
			s = append(s, c[i+1])
			i++
		case i+3 < len(c) && isDigit(c[i+2]) && isDigit(c[i+3]):
			s = append(s, byte(int(c[i+1]-'0')*100+int(c[i+2]-'0')*10+int(c[i+3]-'0')))
			i += 3
		default:
			return nil, 0, errTextEscape
		}
	}
	return nil, 0, errTextOpen
}

// appendSplit appends s to out in strings of at most 255 octets, escaped.
func appendSplit(out []string, s []byte) []string {
	for len(s) > maxString {
		out = append(out, escapeText(s[:maxString]))
		s = s[maxString:]
	}
	return append(out, escapeText(s))
}

// escapeText writes octets as miekg/dns does when it unpacks a TXT: '\' and
// '"' escaped, octets outside printable ASCII as \DDD. Records from rows then
// equal the ones a secondary reads off the wire.
func escapeText(s []byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.Write([]byte{'\\', '0' + c/100, '0' + c/10%10, '0' + c%10})
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; !isDigit(b) && !('a' <= b && b <= 'z') && !('A' <= b && b <= 'Z') {
			return false
		}
	}
	return true
}

// textFields checks the character-string fields of HINFO, NAPTR, CAA and URI
// content as PowerDNS reads them, before the zone-file parser (which is more
// lenient) reads the record: each must be quoted, but for a last field of
// letters and digits only that ends the content.
func textFields(t uint16, c string) error {
	var skip, n int
	switch t {
	case dns.TypeHINFO:
		skip, n = 0, 2
	case dns.TypeNAPTR:
		skip, n = 2, 3
	case dns.TypeCAA, dns.TypeURI:
		skip, n = 2, 1
	default:
		return nil
	}
	c = strings.Trim(c, " \t\r\n")
	for ; skip > 0; skip-- {
		c = strings.TrimLeft(c, " \t\r\n")
		i := strings.IndexAny(c, " \t\r\n")
		if i < 0 {
			return nil // too few fields: the parser says so
		}
		c = c[i:]
	}
	for ; n > 0; n-- {
		c = strings.TrimLeft(c, " \t\r\n")
		if c == "" {
			return nil
		}
		if c[0] != '"' {
			if isAlnum(c) && (n == 1 || t == dns.TypeHINFO) {
				return nil
			}
			return errTextUnquoted
		}
		_, l, err := quoted(c)
		if err != nil {
			return err
		}
		c = c[l:]
	}
	return nil
}
