package rrtypes

import (
	"errors"
	"strings"
)

var errEscape = errors.New(`bad escape, want \X or \DDD with DDD at most 255`)

// quote returns s as a quoted string the zone parser reads back as s: the
// lexer ends a string at an unescaped quote and keeps every backslash, and
// everything outside printable ASCII is written as \DDD so the line stays
// one line of plain text.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// unescape undoes the escapes the zone parser leaves in a token: miekg/dns
// strips the quotes around a string but not the backslashes inside it.
func unescape(s string) (string, error) {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i == len(s) {
			return "", errEscape
		}
		if !isDigit(s[i]) {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
			return "", errEscape
		}
		n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
		if n > 255 {
			return "", errEscape
		}
		b = append(b, byte(n))
		i += 2
	}
	return string(b), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
