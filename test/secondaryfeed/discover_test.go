package secondaryfeed_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestDiscoverSQLZones: with discover in a `.` block, every SQL zone is fed without being
// named in the Corefile: a domain inserted in SQL is fed (AXFR of its records) and joins
// the catalog; a domain deleted leaves the catalog and is no longer fed.
func TestDiscoverSQLZones(t *testing.T) {
	db := newSQLite(t)
	db.load(t, 1, "example.org.", zoneHead)
	corefile := fmt.Sprintf(".:0 {\n\tsecondaryfeed {\n\t\tdiscover\n\t\tallow 127.0.0.1\n\t\tcatalog catalog.invalid\n\t}\n\t%s\n}", db.block())
	s := harness.StartServer(t, corefile)
	waitFed(t, s.UDP, "example.org.", 2026120601)
	waitCatalog(t, s.TCP, "example.org.")

	db.load(t, 2, "example.net.", strings.ReplaceAll(zoneHead, "example.org.", "example.net."))
	waitFed(t, s.UDP, "example.net.", 2026120601)
	q := dns.Question{Name: "example.net.", Qtype: dns.TypeAXFR, Qclass: dns.ClassINET}
	got := answers(t, xfr(t, s.TCP, axfrQuery("example.net.")), q)
	want := []string{
		strings.ReplaceAll(soaText(2026120601), "example.org.", "example.net."),
		"example.net.\t3600\tIN\tNS\tns1.example.net.",
		"example.net.\t3600\tIN\tMX\t10 mail.example.net.",
		"mail.example.net.\t3600\tIN\tA\t192.0.2.25",
		"ns1.example.net.\t3600\tIN\tA\t192.0.2.53",
		"www.example.net.\t300\tIN\tA\t192.0.2.1",
		strings.ReplaceAll(soaText(2026120601), "example.org.", "example.net."),
	}
	if !sameTransfer(got, want) {
		t.Errorf("AXFR of the discovered zone:\n%q\nwant (any order between the SOAs)\n%q", got, want)
	}
	waitCatalog(t, s.TCP, "example.net.", "example.org.")

	db.exec(t, `DELETE FROM records WHERE domain_id = 2`)
	db.exec(t, `DELETE FROM domains WHERE id = 2`)
	waitCatalog(t, s.TCP, "example.org.")
	m, _, err := (&dns.Client{Timeout: time.Second}).Exchange(ixfrQuery("example.net.", 1), s.UDP)
	if err != nil {
		t.Fatal(err)
	}
	if soaSerialIs(2026120601)(m) {
		t.Error("example.net. is still fed after its domain was deleted")
	}
}

// waitCatalog waits until the catalog zone lists exactly zones (sorted).
func waitCatalog(t *testing.T, addr string, zones ...string) {
	t.Helper()
	var last []string
	harness.Eventually(t, 10*time.Second, fmt.Sprintf("catalog lists %v", zones), func() bool {
		last = catalogMembers(t, addr)
		return slices.Equal(last, zones)
	})
}

func catalogMembers(t *testing.T, addr string) []string {
	var out []string
	for _, m := range xfr(t, addr, axfrQuery("catalog.invalid.")) {
		for _, rr := range m.Answer {
			if p, ok := rr.(*dns.PTR); ok && strings.HasSuffix(p.Hdr.Name, ".zones.catalog.invalid.") {
				out = append(out, p.Ptr)
			}
		}
	}
	slices.Sort(out)
	return out
}

// sameTransfer compares two AXFRs: the same SOA first and last, the same records between.
func sameTransfer(got, want []string) bool {
	if len(got) != len(want) || len(got) < 2 || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		return false
	}
	g, w := slices.Clone(got[1:len(got)-1]), slices.Clone(want[1:len(want)-1])
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
