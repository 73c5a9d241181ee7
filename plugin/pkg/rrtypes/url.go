package rrtypes

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// URL is the rdata of a URL record: HTTP requests for the owner name are
// redirected to Target with status Code.
type URL struct {
	Target string
	Code   uint16 // 0 means the default, 301
	// NoPath redirects every request to Target as it is; without it the request's
	// path and query are added to Target (flag "nopath" in presentation format).
	NoPath bool
}

// The CODE field of the wire format carries the status in its low 12 bits and
// flags in its top 4 (all 0 in records written before flags existed, so they
// read as before). Unknown flag bits are refused.
const (
	codeMask   = 0x0FFF
	flagNoPath = 0x8000
	flagsKnown = flagNoPath
)

// NoPathFlag is the presentation-format flag that sets NoPath.
const NoPathFlag = "nopath"

// maxURL leaves room for the code in the largest possible rdata.
const maxURL = 0xFFFF - 2

var errCode = errors.New("redirect code must be 301, 302, 307 or 308")

// NewURL returns a URL RR with header hdr redirecting to target; a code of 0
// means 301.
func NewURL(hdr dns.RR_Header, target string, code uint16) *dns.PrivateRR {
	rr := newRR(hdr, TypeURL)
	u := rr.Data.(*URL)
	*u = URL{Target: target, Code: code}
	u.Code = u.code()
	return rr
}

// AsURL returns the rdata of rr if it is a URL record.
func AsURL(rr dns.RR) (*URL, bool) {
	return as[*URL](rr)
}

func (u *URL) code() uint16 {
	if u.Code == 0 {
		return 301
	}
	return u.Code
}

func checkCode(c uint16) error {
	switch c {
	case 301, 302, 307, 308:
		return nil
	}
	return errCode
}

func checkURL(s string) error {
	if s == "" {
		return errNoTarget
	}
	if len(s) > maxURL {
		return fmt.Errorf("URL longer than %d octets", maxURL)
	}
	p, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("bad URL: %v", err)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return errors.New("URL must be absolute, with scheme http or https")
	}
	if p.Host == "" {
		return errors.New("URL must have a host")
	}
	return nil
}

// String implements dns.PrivateRdata. The code is printed even if it is the
// default so the output parses back to the same record.
func (u *URL) String() string {
	if u.Target == "" {
		return ""
	}
	s := quote(u.Target) + " " + strconv.Itoa(int(u.code()))
	if u.NoPath {
		s += " " + NoPathFlag
	}
	return s
}

// Parse implements dns.PrivateRdata. The zone parser has already removed the
// quotes and split on unquoted blanks, so a URL with a blank in it arrives as
// one token only if it was quoted (or the blank escaped).
//
// After the URL come the optional code and the optional flag: "url", "url 302",
// "url 302 nopath" and "url nopath" (code 301) are all valid.
func (u *URL) Parse(txt []string) error {
	if err := tokens(txt, 3); err != nil {
		return err
	}
	t, err := unescape(txt[0])
	if err != nil {
		return err
	}
	if err := checkURL(t); err != nil {
		return err
	}
	rest := txt[1:]
	noPath := false
	if n := len(rest); n > 0 && strings.EqualFold(rest[n-1], NoPathFlag) {
		noPath, rest = true, rest[:n-1]
	}
	if len(rest) > 1 {
		return fmt.Errorf("unexpected %q after rdata", rest[1])
	}
	c, err := parseUint16(rest, 0, 301, checkCode)
	if err != nil {
		return err
	}
	u.Target, u.Code, u.NoPath = t, c, noPath
	return nil
}

// field is the CODE field of the wire format: the code and the flags.
func (u *URL) field() uint16 {
	f := u.code()
	if u.NoPath {
		f |= flagNoPath
	}
	return f
}

// Pack implements dns.PrivateRdata. An empty target packs as empty rdata.
// Pack refuses what Unpack would, as a receiver refuses the whole message.
func (u *URL) Pack(buf []byte) (int, error) {
	if u.Target == "" {
		return 0, nil
	}
	if err := checkURL(u.Target); err != nil {
		return len(buf), err
	}
	if err := checkCode(u.code()); err != nil {
		return len(buf), err
	}
	off, err := packUint16(u.field(), buf, 0)
	if err != nil {
		return off, err
	}
	if off+len(u.Target) > len(buf) {
		return len(buf), dns.ErrBuf
	}
	return off + copy(buf[off:], u.Target), nil
}

// Unpack implements dns.PrivateRdata. The URL runs to the end of buf: it
// relies on dns.UnpackRR (and so dns.Msg) cutting the message at the end of
// the rdata before calling it. Code calling dns.UnpackRRWithHeader on a whole
// message gets a "bad rdlength" error instead.
func (u *URL) Unpack(buf []byte) (int, error) {
	f, off, err := unpackUint16(buf, 0)
	if err != nil {
		return off, err
	}
	if f&^codeMask&^flagsKnown != 0 {
		return off, fmt.Errorf("unknown URL flags %#04x", f&^codeMask)
	}
	c := f & codeMask
	if err := checkCode(c); err != nil {
		return off, err
	}
	t := string(buf[off:])
	if err := checkURL(t); err != nil {
		return off, err
	}
	u.Target, u.Code, u.NoPath = t, c, f&flagNoPath != 0
	return len(buf), nil
}

// Copy implements dns.PrivateRdata.
func (u *URL) Copy(dest dns.PrivateRdata) error {
	return copyTo(u, dest)
}

// Len implements dns.PrivateRdata.
func (u *URL) Len() int {
	if u.Target == "" {
		return 0
	}
	return 2 + len(u.Target)
}
