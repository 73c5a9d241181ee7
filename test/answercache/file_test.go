package answercache_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// TestFileZoneReload: answers of the stock file plugin are cached, and dropped when file
// reloads the zone (issue 17, item 2): a new serial with a changed record, written to the
// zone file, is served within file's reload interval (1 s) and a second more.
func TestFileZoneReload(t *testing.T) {
	dir := t.TempDir()
	zone := func(serial int, ip string) string {
		return fmt.Sprintf("$ORIGIN example.org.\n@ 3600 IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\nwww 300 IN A %s\n", serial, ip)
	}
	path := harness.WriteFile(t, dir, "db.example.org", zone(1, "192.0.2.80"))
	s := harness.StartServer(t, fmt.Sprintf("example.org:0 {\n\tanswercache\n\tfile %s {\n\t\treload 1s\n\t}\n}", path))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, rcodeIs(dns.RcodeSuccess), 5*time.Second)
	for i := 2; i <= 4; i++ {
		askCached(t, s.UDP, "www.example.org.", dns.TypeA, hasA(fmt.Sprintf("192.0.2.%d", 78+i)))
		ip := fmt.Sprintf("192.0.2.%d", 79+i)
		tmp := filepath.Join(dir, "new")
		if err := os.WriteFile(tmp, []byte(zone(i, ip)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		harness.WaitFor(t, s.UDP, "www.example.org.", dns.TypeA, hasA(ip), 2*time.Second+500*time.Millisecond)
		t.Logf("zone file serial %d: served after %s", i, time.Since(start).Round(time.Millisecond))
	}
}
