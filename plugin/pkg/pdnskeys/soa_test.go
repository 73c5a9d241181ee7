package pdnskeys

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// thursday is 2023-11-09 00:00 UTC, the start of PowerDNS's week holding now.
var (
	thursday = time.Date(2023, 11, 9, 0, 0, 0, 0, time.UTC)
	now      = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
)

func TestValidity(t *testing.T) {
	kr := &Keyring{}
	wantInc, wantExp := uint32(thursday.AddDate(0, 0, -7).Unix()), uint32(thursday.AddDate(0, 0, 14).Unix())
	for _, at := range []time.Time{thursday, now, thursday.Add(7*24*time.Hour - time.Second)} {
		inc, exp := kr.Validity(at)
		if inc != wantInc || exp != wantExp {
			t.Errorf("Validity(%v) = %d, %d; want %d, %d", at, inc, exp, wantInc, wantExp)
		}
	}
	// The next week's signatures start a week later.
	inc, exp := kr.Validity(thursday.AddDate(0, 0, 7))
	if inc != wantInc+week || exp != wantExp+week {
		t.Errorf("next week: %d, %d; want %d, %d", inc, exp, wantInc+week, wantExp+week)
	}
	if thursday.Weekday() != time.Thursday {
		t.Fatal("the test's Thursday is not one")
	}
}

func TestNextWeek(t *testing.T) {
	kr := &Keyring{}
	for _, at := range []time.Time{thursday, now, thursday.Add(7*24*time.Hour - time.Second)} {
		next := NextWeek(at)
		if !next.Equal(thursday.AddDate(0, 0, 7)) {
			t.Errorf("NextWeek(%v) = %v, want %v", at, next, thursday.AddDate(0, 0, 7))
		}
		inc, _ := kr.Validity(at)
		if inc2, _ := kr.Validity(next.Add(-time.Second)); inc2 != inc {
			t.Errorf("validity changed before NextWeek(%v)", at)
		}
		if inc3, _ := kr.Validity(next); inc3 == inc {
			t.Errorf("validity did not change at NextWeek(%v)", at)
		}
	}
}

func TestEditSOA(t *testing.T) {
	sow := uint32(thursday.Unix())
	weeks := sow / week
	for _, tc := range []struct {
		kind      string
		presigned bool
		old, want uint32
	}{
		{"", false, 5, 5},
		{"NONE", false, 5, 5},
		{"EPOCH", false, 5, uint32(now.Unix())},
		{"EPOCH", true, 5, 5}, // getSoaEdit: none in a PRESIGNED zone
		{"INCEPTION-EPOCH", false, 5, sow},
		{"INCEPTION-EPOCH", false, sow + 1, sow + 1},
		{"INCREMENT-WEEKS", false, 5, 5 + weeks},
		{"INCREMENT-WEEKS", false, 1<<32 - 1, weeks - 1}, // serial arithmetic wraps
		{"INCEPTION-INCREMENT", false, 2023110899, 2023110901},
		{"INCEPTION-INCREMENT", false, 2023110900, 2023110902},
		{"INCEPTION-INCREMENT", false, 2023110901, 2023110902},
		{"INCEPTION-INCREMENT", false, 2023110902, 2023110903},
		{"INCEPTION-INCREMENT", false, 2023111199, 2023111200},
		{"INCEPTION-INCREMENT", false, 2023111200, 2023111200},
		{"INCEPTION-INCREMENT", false, 1, 2023110901},
	} {
		kr := &Keyring{Meta: Meta{SOAEdit: tc.kind, Presigned: tc.presigned}}
		soa := &dns.SOA{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300}, Ns: "ns.example.org.", Serial: tc.old, Minttl: 60}
		got := kr.EditSOA(soa, now)
		if got.Serial != tc.want {
			t.Errorf("%s presigned=%v: serial %d -> %d, want %d", tc.kind, tc.presigned, tc.old, got.Serial, tc.want)
		}
		if soa.Serial != tc.old {
			t.Errorf("%s: the SOA given was changed", tc.kind)
		}
		if (got == soa) != (tc.old == tc.want) {
			t.Errorf("%s: a copy %v, want one only when the serial changes", tc.kind, got != soa)
		}
		if got.Ns != soa.Ns || got.Hdr != soa.Hdr || got.Minttl != soa.Minttl {
			t.Errorf("%s: %v, want %v but for the serial", tc.kind, got, soa)
		}
	}
}

// TestEditSOALocalDate: INCEPTION-INCREMENT's date is the local one, here
// a day before the UTC date west of Greenwich.
func TestEditSOALocalDate(t *testing.T) {
	kr := &Keyring{Meta: Meta{SOAEdit: "INCEPTION-INCREMENT"}}
	ny := time.FixedZone("UTC-5", -5*3600)
	soa := &dns.SOA{Serial: 1}
	if got := kr.EditSOA(soa, now.In(ny)).Serial; got != 2023110801 {
		t.Errorf("serial %d, want 2023110801", got)
	}
}

func TestKeyTTL(t *testing.T) {
	if ttl := KeyTTL(&dns.SOA{Hdr: dns.RR_Header{Ttl: 3600}, Minttl: 300}); ttl != 300 {
		t.Errorf("KeyTTL = %d, want the minimum, 300", ttl)
	}
}
