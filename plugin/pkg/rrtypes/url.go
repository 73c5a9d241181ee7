package rrtypes

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/miekg/dns"
)

// URL is the rdata of a URL record: HTTP requests for the owner name are
// redirected to Target with status Code.
type URL struct {
	Target string
	Code   uint16 // 0 means the default, 301
}

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
	return quote(u.Target) + " " + strconv.Itoa(int(u.code()))
}

// Parse implements dns.PrivateRdata. The zone parser has already removed the
// quotes and split on unquoted blanks, so a URL with a blank in it arrives as
// one token only if it was quoted (or the blank escaped).
func (u *URL) Parse(txt []string) error {
	if err := tokens(txt, 2); err != nil {
		return err
	}
	t, err := unescape(txt[0])
	if err != nil {
		return err
	}
	if err := checkURL(t); err != nil {
		return err
	}
	c, err := parseUint16(txt, 1, 301, checkCode)
	if err != nil {
		return err
	}
	u.Target, u.Code = t, c
	return nil
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
	off, err := packUint16(u.code(), buf, 0)
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
	c, off, err := unpackUint16(buf, 0)
	if err != nil {
		return off, err
	}
	if err := checkCode(c); err != nil {
		return off, err
	}
	t := string(buf[off:])
	if err := checkURL(t); err != nil {
		return off, err
	}
	u.Target, u.Code = t, c
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
