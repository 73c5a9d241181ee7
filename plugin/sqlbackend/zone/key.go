package zone

import (
	"errors"
	"strings"
)

// A key is a domain name turned into a byte string whose plain byte order is
// the canonical DNS name order of RFC 4034 6.1: the labels from the root down
// (most significant first), each lower-cased, its escapes (\DDD, \c) decoded
// to the octets they stand for, and ended by a 0x00. Octets 0x00 and 0x01,
// rare in names, are written as 0x01 0x01 and 0x01 0x02, so 0x00 only ends
// labels: a shorter label then sorts before a longer one it begins ("absence
// of an octet sorts before a zero octet"), and the key of a name is a prefix of
// the keys of exactly the names below it, which finds descendants (empty
// non-terminals, closest enclosers) with one ordered search.
//
// The zone keeps keys relative to its origin (the origin's key cut off the
// front): every owner shares it, and the apex's key is "".

var errBadName = errors.New("malformed domain name")

// maxLabels bounds the labels of a name: 255 octets hold at most 127 labels.
const maxLabels = 128

// nameKey returns the key of the presentation-format name (fully qualified or
// not; the root is "" or ".").
func nameKey(name string) (string, error) {
	var buf [512]byte
	k, err := appendKey(buf[:0], name)
	if err != nil {
		return "", err
	}
	return string(k), nil
}

// appendKey appends the key of name to dst.
func appendKey(dst []byte, name string) ([]byte, error) {
	var starts [maxLabels]int // where each label begins in name
	n, end := 0, len(name)
	if strings.HasSuffix(name, ".") && !escapedAt(name, len(name)-1) {
		end--
	}
	if end == 0 {
		return dst, nil // the root
	}
	starts[0] = 0
	n = 1
	for i := 0; i < end; i++ {
		switch name[i] {
		case '\\':
			i++ // the escaped octet, or the first digit of \DDD, is never a separator
		case '.':
			if n == maxLabels {
				return nil, errBadName
			}
			starts[n] = i + 1
			n++
		}
	}
	for l := n - 1; l >= 0; l-- {
		stop := end
		if l < n-1 {
			stop = starts[l+1] - 1
		}
		var err error
		if dst, err = appendLabel(dst, name[starts[l]:stop]); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// appendLabel appends one presentation-format label's key part.
func appendLabel(dst []byte, label string) ([]byte, error) {
	if label == "" {
		return nil, errBadName
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c == '\\' {
			if i+1 >= len(label) {
				return nil, errBadName
			}
			if isDigit(label[i+1]) {
				if i+3 >= len(label) || !isDigit(label[i+2]) || !isDigit(label[i+3]) {
					return nil, errBadName
				}
				v := int(label[i+1]-'0')*100 + int(label[i+2]-'0')*10 + int(label[i+3]-'0')
				if v > 255 {
					return nil, errBadName
				}
				c, i = byte(v), i+3
			} else {
				c, i = label[i+1], i+1
			}
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case 0, 1:
			dst = append(dst, 1, c+1)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, 0), nil
}

// escapedAt reports whether the octet at i is escaped by the backslashes
// before it (an odd number of them).
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isBelow reports whether the key k is strictly below the key anc.
func isBelow(k, anc string) bool {
	return len(k) > len(anc) && strings.HasPrefix(k, anc)
}

// commonAncestor returns the key of the deepest common ancestor of the names
// whose keys are a and b.
func commonAncestor(a, b string) string {
	n := min(len(a), len(b))
	last := 0 // the end of the last label both share whole
	for i := 0; i < n && a[i] == b[i]; i++ {
		if a[i] == 0 {
			last = i + 1
		}
	}
	return a[:last]
}

// wildcardKey is the key of "*." + the name whose key is k.
func wildcardKey(k string) string { return k + "*\x00" }
