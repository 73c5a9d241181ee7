package secondaryfeed

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/catalog"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/flatten"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/report"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/validate"

	"github.com/miekg/dns"
)

// checkzone runs BIND's named-checkzone on rrs as zone origin and returns its verdict.
func checkzone(t *testing.T, zone string, rrs []dns.RR) (bool, string) {
	t.Helper()
	bin := os.Getenv("HOSTDNS_NAMED_CHECKZONE")
	if bin == "" {
		bin = "/usr/bin/named-checkzone"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is not installed (%v): run test/scripts/ensure-services.sh as root (bind9-utils)", bin, err)
	}
	file := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(file, []byte(texts(rrs)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-i", "full", "-k", "fail", zone, file).CombinedOutput()
	return err == nil, string(out)
}

func TestCatalogNamedCheckzone(t *testing.T) {
	rrs, err := catalog.Zone("catalog.example.", []string{"example.org.", "example.com.", "Domain.Example."},
		dns.SOA{Hdr: dns.RR_Header{Ttl: 3600}, Ns: "ns1.example.org.", Mbox: "hostmaster.example.org.", Serial: 42})
	if err != nil {
		t.Fatal(err)
	}
	if ok, out := checkzone(t, "catalog.example.", rrs); !ok {
		t.Fatalf("named-checkzone refused the catalog:\n%s\n%s", out, texts(rrs))
	}
	if !strings.Contains(texts(rrs), "5960775ba382e7a4e09263fc06e7c00569b6a05c.zones.catalog.example.\t0\tIN\tPTR\tdomain.example.") {
		t.Errorf("domain.example. is not listed under BIND's ID:\n%s", texts(rrs))
	}
}

// TestFlattenedNamedCheckzone: a flattened zone is one named loads, and validate and
// named agree on zones that break the rules both know.
func TestFlattenedNamedCheckzone(t *testing.T) {
	c := &chain{base: 7}
	out, ps, _ := flatten.Zone(context.Background(), origin, parse(t, zoneText), c.lookup, flatten.NewMemory(), flatten.Options{})
	ps = append(ps, validate.Zone(origin, out)...)
	if len(ps) != 0 {
		t.Fatalf("problems %v", ps)
	}
	if ok, msg := checkzone(t, origin, out); !ok {
		t.Fatalf("named-checkzone refused the flattened zone:\n%s\n%s", msg, texts(out))
	}

	head := "@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\nns1 3600 IN A 192.0.2.53\n"
	for name, text := range map[string]string{
		"valid":             head + "@ 3600 IN NS ns1\nwww 60 IN CNAME ns1",
		"cname-beside-data": head + "@ 3600 IN NS ns1\nwww 60 IN CNAME ns1\nwww 60 IN TXT x",
		"cname-apex":        head + "@ 3600 IN NS ns1\n@ 60 IN CNAME www.example.net.",
		"ns-missing":        head,
		"ns-target-cname":   head + "@ 3600 IN NS ns2\nns2 60 IN CNAME ns1",
	} {
		t.Run(name, func(t *testing.T) {
			rrs := parse(t, text)
			ok, msg := checkzone(t, origin, rrs)
			ps := validate.Zone(origin, rrs)
			if ok == report.HasErrors(ps) {
				t.Errorf("named-checkzone says ok=%v (%s), validate says %v", ok, msg, ps)
			}
		})
	}
}
