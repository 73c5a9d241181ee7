package rrtypes

import (
	"errors"
	"strconv"

	"github.com/miekg/dns"
)

// POOL is the rdata of a POOL record: one weighted member of the set of hosts
// the owner name is served from.
type POOL struct {
	Target string
	Weight uint16 // 0 means the default, 1
}

var errWeight = errors.New("weight must be 1..65535")

func checkWeight(w uint16) error {
	if w == 0 {
		return errWeight
	}
	return nil
}

// NewPOOL returns a POOL RR with header hdr for target; a weight of 0 means 1.
func NewPOOL(hdr dns.RR_Header, target string, weight uint16) *dns.PrivateRR {
	rr := newRR(hdr, TypePOOL)
	p := rr.Data.(*POOL)
	*p = POOL{Target: qualify(target), Weight: weight}
	p.Weight = p.weight()
	return rr
}

// AsPOOL returns the rdata of rr if it is a POOL record.
func AsPOOL(rr dns.RR) (*POOL, bool) {
	return as[*POOL](rr)
}

func (p *POOL) weight() uint16 {
	if p.Weight == 0 {
		return 1
	}
	return p.Weight
}

// String implements dns.PrivateRdata. The weight is printed even if it is the
// default so the output parses back to the same record.
func (p *POOL) String() string {
	if p.Target == "" {
		return ""
	}
	return p.Target + " " + strconv.Itoa(int(p.weight()))
}

// Parse implements dns.PrivateRdata.
func (p *POOL) Parse(txt []string) error {
	if err := tokens(txt, 2); err != nil {
		return err
	}
	t, err := parseName(txt[0])
	if err != nil {
		return err
	}
	w, err := parseUint16(txt, 1, 1, checkWeight)
	if err != nil {
		return err
	}
	*p = POOL{Target: t, Weight: w}
	return nil
}

// Pack implements dns.PrivateRdata. An empty target packs as empty rdata.
func (p *POOL) Pack(buf []byte) (int, error) {
	if p.Target == "" {
		return 0, nil
	}
	off, err := packUint16(p.weight(), buf, 0)
	if err != nil {
		return off, err
	}
	return packName(p.Target, buf, off)
}

// Unpack implements dns.PrivateRdata.
func (p *POOL) Unpack(buf []byte) (int, error) {
	w, off, err := unpackUint16(buf, 0)
	if err != nil {
		return off, err
	}
	if err := checkWeight(w); err != nil {
		return off, err
	}
	t, off, err := unpackName(buf, off)
	if err != nil {
		return off, err
	}
	*p = POOL{Target: t, Weight: w}
	return off, nil
}

// Copy implements dns.PrivateRdata.
func (p *POOL) Copy(dest dns.PrivateRdata) error {
	return copyTo(p, dest)
}

// Len implements dns.PrivateRdata.
func (p *POOL) Len() int {
	if p.Target == "" {
		return 0
	}
	return 2 + nameLen(p.Target)
}
