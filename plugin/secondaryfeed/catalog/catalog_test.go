package catalog

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var template = dns.SOA{Hdr: dns.RR_Header{Ttl: 60}, Ns: "ns1.example.org.", Mbox: "hostmaster.example.org.", Serial: 5}

// checkRFC9432 fails t unless rrs are a version 2 catalog zone named name listing
// exactly members (lower case), by RFC 9432's rules.
func checkRFC9432(t testing.TB, name string, rrs []dns.RR, members []string) {
	t.Helper()
	zones := "zones." + name
	var listed []string
	owners := map[string]bool{}
	soas, nss, versions := 0, 0, 0
	for i, rr := range rrs {
		h := rr.Header()
		if !dns.IsSubDomain(name, h.Name) || h.Class != dns.ClassINET {
			t.Fatalf("%s: not an IN record in the catalog zone", rr)
		}
		switch v := rr.(type) {
		case *dns.SOA:
			if i != 0 || h.Name != name {
				t.Fatalf("SOA %s not first or not at the apex", rr)
			}
			soas++
		case *dns.NS:
			if h.Name != name || v.Ns != "invalid." {
				t.Fatalf("NS %s: the apex NS must be invalid. (4.1)", rr)
			}
			nss++
		case *dns.TXT:
			if h.Name != "version."+name || !slices.Equal(v.Txt, []string{"2"}) {
				t.Fatalf("TXT %s: only version.%s TXT \"2\" (4.2.1)", rr, name)
			}
			versions++
		case *dns.PTR:
			id, parent, _ := strings.Cut(h.Name, ".")
			if parent != zones || id == "" || owners[h.Name] {
				t.Fatalf("PTR %s: must be one PTR at ID.%s (4.2.2)", rr, zones)
			}
			owners[h.Name] = true
			listed = append(listed, v.Ptr)
		default:
			t.Fatalf("%s: a record RFC 9432 version 2 does not define", rr)
		}
	}
	if soas != 1 || nss != 1 || versions != 1 {
		t.Fatalf("%d SOA, %d NS, %d version TXT: want one each", soas, nss, versions)
	}
	slices.Sort(listed)
	want := slices.Sorted(slices.Values(members))
	if !slices.Equal(listed, want) {
		t.Fatalf("members %v, want %v", listed, want)
	}
	m := new(dns.Msg)
	m.Answer = rrs
	if _, err := m.Pack(); err != nil {
		t.Fatalf("the records do not pack: %v", err)
	}
}

func TestZone(t *testing.T) {
	rrs, err := Zone("Catalog.Example.", []string{"b.example.", "A.example", "a.EXAMPLE.", "catalog.example."}, template)
	if err != nil {
		t.Fatal(err)
	}
	checkRFC9432(t, "catalog.example.", rrs, []string{"a.example.", "b.example."})
	soa := rrs[0].(*dns.SOA)
	if soa.Serial != 5 || soa.Hdr.Ttl != 60 || soa.Ns != "ns1.example.org." || soa.Refresh != DefaultSOA.Refresh {
		t.Errorf("SOA %s", soa)
	}
	for _, rr := range rrs[1:] {
		if rr.Header().Ttl != 0 {
			t.Errorf("TTL of %s, want 0", rr)
		}
	}
}

func TestZoneEmpty(t *testing.T) {
	rrs, err := Zone("catalog.example", nil, dns.SOA{})
	if err != nil {
		t.Fatal(err)
	}
	checkRFC9432(t, "catalog.example.", rrs, nil)
	if s := rrs[0].(*dns.SOA); s.Ns != "invalid." || s.Mbox != "invalid." {
		t.Errorf("SOA %s", s)
	}
}

// TestID: the IDs are BIND's (the example of its documentation) and stable.
func TestID(t *testing.T) {
	if id := ID("domain.example."); id != "5960775ba382e7a4e09263fc06e7c00569b6a05c" {
		t.Errorf("ID %s", id)
	}
	if ID("Domain.Example") != ID("domain.example.") {
		t.Error("the ID depends on case or the final dot")
	}
	a, _ := Zone("cat.", []string{"x.example.", "y.example."}, template)
	b, _ := Zone("cat.", []string{"y.example.", "x.example."}, template)
	if texts(a) != texts(b) {
		t.Errorf("the order of the zones changed the catalog:\n%s\n%s", texts(a), texts(b))
	}
	c, _ := Zone("cat.", []string{"y.example.", "x.example.", "z.example."}, template)
	for _, line := range strings.Split(texts(a), "\n")[3:] {
		if !strings.Contains(texts(c), line) {
			t.Errorf("adding a zone changed the member record %s", line)
		}
	}
}

func TestZoneErrors(t *testing.T) {
	long := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 50) + "."
	for _, tc := range []struct {
		name  string
		zones []string
		soa   dns.SOA
		want  string
	}{
		{"", nil, template, "empty zone name"},
		{"cat.", []string{"ok.example.", "bad..name"}, template, `bad zone name "bad..name"`},
		{"cat.", []string{""}, template, "empty zone name"},
		{long, nil, template, "too long"},
		{"cat.", nil, dns.SOA{Ns: "a..b"}, "SOA"},
	} {
		rrs, err := Zone(tc.name, tc.zones, tc.soa)
		if err == nil || !strings.Contains(err.Error(), tc.want) || rrs != nil {
			t.Errorf("Zone(%q, %q): %v, %d records; want an error with %q and none", tc.name, tc.zones, err, len(rrs), tc.want)
		}
	}
}

func texts(rrs []dns.RR) string {
	s := make([]string, len(rrs))
	for i, rr := range rrs {
		s[i] = rr.String()
	}
	return strings.Join(s, "\n")
}

// FuzzZone: whatever the names, the catalog follows RFC 9432 or there is an error.
func FuzzZone(f *testing.F) {
	f.Add("catalog.example.", "a.example.", "B.example", "a.example.")
	f.Add("cat.", "cat.", "\\046.example.", "x\\032y.example.")
	f.Add("", "..", "a", strings.Repeat("x", 70))
	f.Fuzz(func(t *testing.T, name, a, b, c string) {
		rrs, err := Zone(name, []string{a, b, c}, template)
		if err != nil {
			return
		}
		cat := dns.CanonicalName(name)
		want := map[string]bool{}
		for _, z := range []string{a, b, c} {
			if z := dns.CanonicalName(z); z != cat {
				want[z] = true
			}
		}
		checkRFC9432(t, cat, rrs, slices.Collect(maps.Keys(want)))
	})
}
