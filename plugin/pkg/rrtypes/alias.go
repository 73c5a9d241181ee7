package rrtypes

import "github.com/miekg/dns"

// ALIAS is the rdata of an ALIAS record: a name whose addresses are served in
// place of the owner's, like a CNAME that may live at the zone apex.
type ALIAS struct {
	Target string
}

// NewALIAS returns an ALIAS RR with header hdr pointing at target.
func NewALIAS(hdr dns.RR_Header, target string) *dns.PrivateRR {
	rr := newRR(hdr, TypeALIAS)
	rr.Data.(*ALIAS).Target = qualify(target)
	return rr
}

// AsALIAS returns the rdata of rr if it is an ALIAS record.
func AsALIAS(rr dns.RR) (*ALIAS, bool) {
	return as[*ALIAS](rr)
}

// String implements dns.PrivateRdata.
func (a *ALIAS) String() string { return a.Target }

// Parse implements dns.PrivateRdata.
func (a *ALIAS) Parse(txt []string) error {
	if err := tokens(txt, 1); err != nil {
		return err
	}
	t, err := parseName(txt[0])
	if err != nil {
		return err
	}
	a.Target = t
	return nil
}

// Pack implements dns.PrivateRdata. An empty target packs as empty rdata, as
// used by dynamic updates that delete an RRset.
func (a *ALIAS) Pack(buf []byte) (int, error) {
	if a.Target == "" {
		return 0, nil
	}
	return packName(a.Target, buf, 0)
}

// Unpack implements dns.PrivateRdata.
func (a *ALIAS) Unpack(buf []byte) (int, error) {
	t, off, err := unpackName(buf, 0)
	if err != nil {
		return off, err
	}
	a.Target = t
	return off, nil
}

// Copy implements dns.PrivateRdata.
func (a *ALIAS) Copy(dest dns.PrivateRdata) error {
	return copyTo(a, dest)
}

// Len implements dns.PrivateRdata.
func (a *ALIAS) Len() int {
	if a.Target == "" {
		return 0
	}
	return nameLen(a.Target)
}
