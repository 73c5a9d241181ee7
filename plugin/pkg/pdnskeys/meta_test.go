package pdnskeys

import (
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func nsec3(hash, flags uint8, iter uint16, salt string) *dns.NSEC3PARAM {
	return &dns.NSEC3PARAM{
		Hdr:  dns.RR_Header{Name: origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET},
		Hash: hash, Flags: flags, Iterations: iter, SaltLength: uint8(len(salt) / 2), Salt: salt,
	}
}

func boolp(b bool) *bool { return &b }

func TestParseMeta(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []MetaRow
		want Meta
		errs []string // substrings of the errors, in order
	}{
		{"none", nil, Meta{}, nil},
		{"nsec3 no salt", []MetaRow{{"NSEC3PARAM", "1 0 0 -"}}, Meta{NSEC3: nsec3(1, 0, 0, "")}, nil},
		{"nsec3 salt opt-out", []MetaRow{{"NSEC3PARAM", " 1 1 10 aB01 extra\r\n"}}, Meta{NSEC3: nsec3(1, 1, 10, "AB01")}, nil},
		{"nsec3 iterations capped", []MetaRow{{"NSEC3PARAM", "1 0 150 -"}}, Meta{NSEC3: nsec3(1, 0, 100, "")}, []string{"150 iterations"}},
		{"nsec3 presigned not capped", []MetaRow{{"NSEC3PARAM", "2 0 150 -"}, {"PRESIGNED", "1"}}, Meta{NSEC3: nsec3(1, 0, 150, ""), Presigned: true}, []string{"hash algorithm 2"}},
		{"nsec3 hash set to 1", []MetaRow{{"NSEC3PARAM", "2 0 0 -"}}, Meta{NSEC3: nsec3(1, 0, 0, "")}, []string{"hash algorithm 2"}},
		{"nsec3 short", []MetaRow{{"NSEC3PARAM", "1 0 0"}}, Meta{}, []string{"want hash algorithm"}},
		{"nsec3 not a number", []MetaRow{{"NSEC3PARAM", "1 0 +1 -"}}, Meta{}, []string{`"+1"`}},
		{"nsec3 overflow", []MetaRow{{"NSEC3PARAM", "1 0 65536 -"}}, Meta{}, []string{"out of range"}},
		{"nsec3 bad salt", []MetaRow{{"NSEC3PARAM", "1 0 0 abc"}}, Meta{}, []string{"salt"}},
		{"nsec3 long salt", []MetaRow{{"NSEC3PARAM", "1 0 0 " + strings.Repeat("ab", 256)}}, Meta{}, []string{"salt"}},
		{"narrow", []MetaRow{{"NSEC3NARROW", "1"}}, Meta{Narrow: true}, nil},
		{"narrow 0", []MetaRow{{"NSEC3NARROW", "0"}}, Meta{}, nil},
		{"narrow yes", []MetaRow{{"NSEC3NARROW", "yes"}}, Meta{}, []string{"reads it as off"}},
		{"presigned", []MetaRow{{"PRESIGNED", "1"}}, Meta{Presigned: true}, nil},
		{"presigned true", []MetaRow{{"PRESIGNED", "true"}}, Meta{}, []string{"reads it as off"}},
		{"soa-edit", []MetaRow{{"SOA-EDIT", "inception-increment"}}, Meta{SOAEdit: "INCEPTION-INCREMENT"}, nil},
		{"soa-edit kinds", []MetaRow{{"SOA-EDIT", "NONE"}}, Meta{SOAEdit: "NONE"}, nil},
		{"soa-edit unknown", []MetaRow{{"SOA-EDIT", "INCEPTION-WEEK"}}, Meta{}, []string{"unknown SOA-EDIT"}},
		{"cds", []MetaRow{{"PUBLISH-CDS", "1, 2,4,2"}}, Meta{PublishCDS: []uint8{1, 2, 4}}, nil},
		{"cds delete", []MetaRow{{"PUBLISH-CDS", "2,0,x"}}, Meta{PublishCDS: []uint8{0}}, nil},
		{"cds 00", []MetaRow{{"PUBLISH-CDS", "00"}}, Meta{}, []string{`"00"`}},
		{"cds gost", []MetaRow{{"PUBLISH-CDS", "2,3"}}, Meta{}, []string{`"3"`}},
		{"cds empty list", []MetaRow{{"PUBLISH-CDS", ","}}, Meta{}, []string{"no digest"}},
		{"cdnskey", []MetaRow{{"PUBLISH-CDNSKEY", "1"}}, Meta{PublishCDNSKEY: boolp(true)}, nil},
		{"cdnskey delete", []MetaRow{{"PUBLISH-CDNSKEY", "0"}}, Meta{PublishCDNSKEY: boolp(false)}, nil},
		// addCDNSKEY publishes for any value but "0" and "".
		{"cdnskey yes", []MetaRow{{"PUBLISH-CDNSKEY", "yes"}}, Meta{PublishCDNSKEY: boolp(true)}, nil},
		{"empty is unset", []MetaRow{{"PUBLISH-CDNSKEY", ""}, {"SOA-EDIT", ""}, {"NSEC3PARAM", ""}}, Meta{}, nil},
		// getFromMeta: the first row of a kind counts, kinds match exactly.
		{"first row wins", []MetaRow{{"SOA-EDIT", "EPOCH"}, {"SOA-EDIT", "NONE"}, {"PRESIGNED", ""}, {"PRESIGNED", "1"}}, Meta{SOAEdit: "EPOCH"}, nil},
		{"bad first row wins", []MetaRow{{"SOA-EDIT", "bogus"}, {"SOA-EDIT", "EPOCH"}}, Meta{}, []string{"bogus"}},
		{"case", []MetaRow{{"nsec3param", "1 0 0 -"}, {"Presigned", "1"}, {"ALSO-NOTIFY", "x"}}, Meta{}, nil},
	} {
		got, errs := ParseMeta(origin, tc.rows)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if len(errs) != len(tc.errs) {
			t.Errorf("%s: errors %v, want %d", tc.name, errs, len(tc.errs))
			continue
		}
		for i, e := range errs {
			if !strings.Contains(e.Error(), tc.errs[i]) || !strings.HasPrefix(e.Error(), "domainmetadata ") {
				t.Errorf("%s: error %q, want %q", tc.name, e, tc.errs[i])
			}
		}
	}
}
