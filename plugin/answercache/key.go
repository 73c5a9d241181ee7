package answercache

import (
	"github.com/coredns/coredns/request"

	"github.com/miekg/dns"
)

// keyMax bounds a key: a 255-octet name written with \DDD escapes is 1,020 bytes, and a
// request whose options do not fit is simply not cached.
const keyMax = 1536

// Bits of the key's flag byte: everything of the request, beyond the question and the
// OPT record, that changes the bytes of the answer.
const (
	kEDNS = 1 << iota // an OPT record: the answer carries one too
	kTCP              // no truncation; over UDP the size below decides it
	kIPv6             // the scrubber compresses large UDP answers at 1220 (v6), 1480 (v4)
	kCD
	kAD
	kExact // the name has \ escapes: keyed exactly as sent, its case never patched
)

// reason says why a request is not looked up; reasonNone is the cacheable kind.
type reason uint8

const (
	reasonNone reason = iota
	reasonOpcode
	reasonQuestion
	reasonTransfer
	reasonTSIG
	reasonNSID
	reasonEDNS // an EDNS option the key cannot hold, or a request too large to key
	numReasons
)

var reasonNames = [numReasons]string{"", "opcode", "question", "transfer", "tsig", "nsid", "edns"}

// key is a built key: its bytes (in the scratch buffer) and where the name is in them.
type key struct {
	b          []byte
	name       []byte // the case-folded name, for the zone match
	patchCase  bool
	nameOffset int
}

// buildKey writes into dst (len 0, cap keyMax) what determines the answer bytes of r as
// seen from w, without allocating. The first byte... (see the constants above).
func buildKey(dst []byte, w dns.ResponseWriter, r *dns.Msg) (key, reason) {
	var k key
	switch {
	case r.Opcode != dns.OpcodeQuery:
		return k, reasonOpcode
	case len(r.Question) != 1:
		return k, reasonQuestion
	}
	q := r.Question[0]
	if q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR {
		return k, reasonTransfer
	}
	if r.IsTsig() != nil {
		return k, reasonTSIG
	}
	opt := r.IsEdns0()

	var flags byte
	if opt != nil {
		flags |= kEDNS
	}
	tcp, v6 := transport(w)
	if tcp {
		flags |= kTCP
	}
	if v6 {
		flags |= kIPv6
	}
	if r.CheckingDisabled {
		flags |= kCD
	}
	if r.AuthenticatedData {
		flags |= kAD
	}
	exact := hasEscape(q.Name)
	if exact {
		flags |= kExact
	}
	b := append(dst, flags, btoi(r.Authoritative)|btoi(r.Truncated)<<1|btoi(r.RecursionAvailable)<<2|btoi(r.Zero)<<3, byte(r.Rcode))
	b = append16(b, q.Qtype)
	b = append16(b, q.Qclass)
	if opt != nil {
		// The OPT record of the request goes into the answer as it is (request.SizeAndDo):
		// its size, version, flags and echoed options are all in the answer's bytes.
		b = append16(b, opt.Hdr.Class)
		b = append16(b, uint16(opt.Hdr.Ttl>>16))
		b = append16(b, uint16(opt.Hdr.Ttl))
		var why reason
		if b, why = appendOptions(b, opt.Option); why != reasonNone {
			return k, why
		}
	}
	if len(b)+2+len(q.Name) > cap(b) {
		return k, reasonEDNS
	}
	b = append16(b, uint16(len(q.Name)))
	k.nameOffset = len(b)
	for i := 0; i < len(q.Name); i++ {
		c := q.Name[i]
		if !exact && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	k.b, k.name = b, b[k.nameOffset:]
	k.patchCase = !exact
	return k, reasonNone
}

// appendOptions keys the EDNS options of the request by their contents. Options whose
// contents this cannot read without allocating are not cached (none is common).
func appendOptions(b []byte, opts []dns.EDNS0) ([]byte, reason) {
	for _, o := range opts {
		if len(b)+64 > cap(b) {
			return b, reasonEDNS
		}
		b = append16(b, o.Option())
		switch e := o.(type) {
		case *dns.EDNS0_NSID:
			return b, reasonNSID
		case *dns.EDNS0_COOKIE:
			if len(b)+2+len(e.Cookie) > cap(b) {
				return b, reasonEDNS
			}
			b = append16(b, uint16(len(e.Cookie)))
			b = append(b, e.Cookie...)
		case *dns.EDNS0_SUBNET:
			b = append16(b, e.Family)
			b = append(b, e.SourceNetmask, e.SourceScope, byte(len(e.Address)))
			b = append(b, e.Address...)
		case *dns.EDNS0_PADDING:
			b = append16(b, uint16(len(e.Padding)))
		case *dns.EDNS0_TCP_KEEPALIVE:
			b = append16(b, e.Length)
			b = append16(b, e.Timeout)
		case *dns.EDNS0_EXPIRE:
			b = append(b, btoi(e.Empty))
			b = append16(b, uint16(e.Expire>>16))
			b = append16(b, uint16(e.Expire))
		case *dns.EDNS0_LOCAL:
			if len(b)+2+len(e.Data) > cap(b) {
				return b, reasonEDNS
			}
			b = append16(b, uint16(len(e.Data)))
			b = append(b, e.Data...)
		default:
			return b, reasonEDNS
		}
	}
	return b, reasonNone
}

// transport is request.Request's Proto and Family (which see through the proxyproto
// plugin's wrapped addresses).
func transport(w dns.ResponseWriter) (tcp, v6 bool) {
	state := request.Request{W: w}
	return state.Proto() == "tcp", state.Family() == 2
}

func hasEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			return true
		}
	}
	return false
}

func append16(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }

func btoi(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// inZones reports whether the case-folded name is at or below one of zones (case-folded,
// fully qualified), on a label boundary.
func inZones(name []byte, zones []string) bool {
	for _, z := range zones {
		if inZone(name, z) {
			return true
		}
	}
	return false
}

// inZone reports whether the case-folded name is at or below the zone z.
func inZone(name []byte, z string) bool {
	if z == "." {
		return true
	}
	if len(name) < len(z) || string(name[len(name)-len(z):]) != z {
		return false
	}
	i := len(name) - len(z)
	return i == 0 || name[i-1] == '.'
}

// patchName writes the question name of the request, as the client cased it, over the
// stored answer's question (same name, case folded; wire format at offset 12).
func patchName(buf []byte, name string) {
	j := 13
	for i := 0; i < len(name)-1 && j < len(buf); i++ {
		c := name[i]
		if c == '.' {
			j++ // the next label's length octet
			continue
		}
		if buf[j]|0x20 == c|0x20 {
			buf[j] = c
		}
		j++
	}
}
