package flatten

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// stored is a Result as kept in Redis: the records in presentation format, which every
// node parses back to the same records.
type stored struct {
	RRs      []string `json:"rrs"`
	Resolved int64    `json:"resolved"` // Unix nanoseconds
	TTL      uint32   `json:"ttl"`
	Source   string   `json:"source"`
}

// maxStored bounds what Decode reads: a result is a few address records.
const maxStored = 1 << 20

// Encode returns r as stored.
func Encode(r Result) ([]byte, error) {
	s := stored{Resolved: r.Resolved.UnixNano(), TTL: r.TTL, Source: r.Source}
	for _, rr := range r.RRs {
		s.RRs = append(s.RRs, rr.String())
	}
	return json.Marshal(s)
}

// Decode reads what Encode wrote. Anything else is an error, never a panic.
func Decode(b []byte) (Result, error) {
	if len(b) > maxStored {
		return Result{}, errors.New("stored result too large")
	}
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return Result{}, fmt.Errorf("stored result: %w", err)
	}
	r := Result{Resolved: time.Unix(0, s.Resolved), TTL: s.TTL, Source: s.Source}
	for _, txt := range s.RRs {
		rr, err := dns.NewRR(txt)
		if err != nil {
			return Result{}, fmt.Errorf("stored result: %w", err)
		}
		if !address(rr) {
			return Result{}, fmt.Errorf("stored result: %q is not an address record", txt)
		}
		r.RRs = append(r.RRs, rr)
	}
	return r, nil
}

// address reports whether rr is an A or AAAA record with an address: all a result holds.
func address(rr dns.RR) bool {
	switch v := rr.(type) {
	case *dns.A:
		return v.A.To4() != nil
	case *dns.AAAA:
		return len(v.AAAA) == 16
	}
	return false
}
