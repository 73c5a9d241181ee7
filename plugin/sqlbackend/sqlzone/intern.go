package sqlzone

import "github.com/miekg/dns"

// Names shares the copies of the domain names that records repeat: every
// record of an owner carries the owner's name, and a provider puts the same
// name servers and mail exchangers in every zone. Each record parsed on its
// own holds a string of its own; with 100,000 zones that is millions of small
// objects that Go's garbage collector must visit at every cycle, for nothing.
// Sharing them makes the heap smaller and each collection cheaper, which is
// what keeps a server with 100,000 zones as fast as one with 1,000.
//
// A Names lives for one load. It forgets everything past maxInterned entries,
// so that loading a million names does not hold a second index of them.
type Names map[string]string

const maxInterned = 1 << 16

func (n Names) intern(s string) string {
	if c, ok := n[s]; ok {
		return c
	}
	if len(n) >= maxInterned {
		clear(n)
	}
	n[s] = s
	return s
}

// share replaces the names in rr by their shared copies. Types not listed
// keep their own: they are rare, or their names are not repeated.
func (n Names) share(rr dns.RR) {
	h := rr.Header()
	h.Name = n.intern(h.Name)
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = n.intern(r.Ns)
	case *dns.SOA:
		r.Ns, r.Mbox = n.intern(r.Ns), n.intern(r.Mbox)
	case *dns.MX:
		r.Mx = n.intern(r.Mx)
	case *dns.CNAME:
		r.Target = n.intern(r.Target)
	case *dns.SRV:
		r.Target = n.intern(r.Target)
	case *dns.PTR:
		r.Ptr = n.intern(r.Ptr)
	}
}
