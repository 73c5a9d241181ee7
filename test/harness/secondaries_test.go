package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// ixfrZone is the zone of TestSecondariesIXFR at serial, extra records added.
func ixfrZone(serial int, extra string) string {
	return fmt.Sprintf(`$TTL 3600
@	IN	SOA	ns1 hostmaster %d 3600 600 1209600 300
@	IN	NS	ns1
ns1	IN	A	192.0.2.1
www	IN	A	192.0.2.80
%s`, serial, extra)
}

// TestSecondariesIXFR checks the harness against a primary that does send IXFR and
// signed NOTIFY: BIND with ixfr-from-differences. BIND, NSD and Knot secondaries, with a
// TSIG key and (NSD, Knot) accepting only signed NOTIFYs, take the zone by AXFR, follow the
// signed NOTIFY of a change by IXFR, and their logs say so.
func TestSecondariesIXFR(t *testing.T) {
	key := NewTSIGKey(t, "ixfr.example.")
	kinds := []SecondaryKind{SecondaryBIND, SecondaryNSD, SecondaryKnot}
	ports := map[SecondaryKind]int{}
	var notify []string
	for _, k := range kinds {
		ports[k] = FreePort(t)
		notify = append(notify, fmt.Sprintf("127.0.0.1 port %d key %q;", ports[k], key.Name))
	}
	dir := t.TempDir()
	port := FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	zoneFile := WriteFile(t, dir, "db.example.org", ixfrZone(1, ""))
	conf := WriteFile(t, dir, "named.conf", fmt.Sprintf(`options {
	directory %q; pid-file none; session-keyfile none;
	listen-on port %d { 127.0.0.1; }; listen-on-v6 { none; };
	recursion no; dnssec-validation no;
	notify explicit; notify-delay 0; notify-source 127.0.0.1;
	ixfr-from-differences yes;
	allow-transfer { key %q; };
};
controls { };
key %q { algorithm %s; secret %q; };
zone "example.org" { type primary; file %q; also-notify { %s }; };
`, dir, port, key.Name, key.Name, key.alg(), key.Secret, zoneFile, strings.Join(notify, " ")))
	p := startProcess(t, "primary named", exec.Command(NamedBinary, "-g", "-4", "-n", "1", "-c", conf), dir, addr)
	if err := p.waitReady("udp", "example.org.", DefaultReadyTimeout); err != nil {
		t.Fatalf("primary: %v\n%s", err, p.Output())
	}

	secs := map[SecondaryKind]*Secondary{}
	for _, k := range kinds {
		s := StartSecondary(t, k, SecondaryOptions{Primary: addr, Zones: []string{"example.org"}, Key: key, SignedNotify: k != SecondaryBIND, Port: ports[k]})
		secs[k] = s
		x := s.WaitTransfer(t, "example.org", 1, 5*time.Second)
		if k != SecondaryNSD && x.Kind != "AXFR" {
			t.Errorf("%s: first transfer %v, want AXFR", k, x)
		}
		// NSD and Knot refuse an unsigned NOTIFY and take a signed one.
		if r, err := s.Notify("example.org", nil, nil); k != SecondaryBIND && err == nil && r.Rcode == dns.RcodeSuccess {
			t.Errorf("%s accepted an unsigned NOTIFY", k)
		}
	}

	// The change: one record added, the serial bumped; named reloads on SIGHUP and, with
	// ixfr-from-differences, keeps the difference for IXFR. The file's time is moved on so
	// named sees it changed within the same second.
	WriteFile(t, dir, "db.example.org", ixfrZone(2, "mail\tIN\tA\t192.0.2.25\n"))
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(zoneFile, later, later); err != nil {
		t.Fatal(err)
	}
	p.Cmd.Process.Signal(syscall.SIGHUP)
	for _, k := range kinds {
		s := secs[k]
		s.WaitSerial(t, "example.org", 2, 20*time.Second)
		x := s.WaitTransfer(t, "example.org", 2, 5*time.Second)
		t.Logf("%s: %v", k, x)
		switch k {
		case SecondaryNSD:
			if !strings.Contains(x.Line, "TSIG verified with key "+NoDot(key.Name)) {
				t.Errorf("nsd: transfer not TSIG-verified: %s", x.Line)
			}
		default:
			if x.Kind != "IXFR" {
				t.Errorf("%s: change came by %q, want IXFR: %s", k, x.Kind, x.Line)
			}
		}
		got := s.AXFR(t, "example.org")
		if len(got) != 5 || got[0].(*dns.SOA).Serial != 2 {
			t.Errorf("%s: holds %v, want the 5 records at serial 2", k, got)
		}
	}
	if x, _ := secs[SecondaryBIND].LastTransfer("example.org"); x.Records >= 6 || x.Bytes <= 0 {
		t.Errorf("bind: IXFR of one record carried %d records, %d bytes", x.Records, x.Bytes)
	}
}

// TestSecondaryNotifyAcceptance: which NOTIFYs NSD and Knot take, as SecondaryOptions
// say: with a key, signed ones always, unsigned ones unless SignedNotify. Without a
// primary to transfer from (NoWait), a server still answers NOTIFY for its zones.
func TestSecondaryNotifyAcceptance(t *testing.T) {
	key := NewTSIGKey(t, "notify.example.")
	other := NewTSIGKey(t, "other.example.")
	nowhere := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	for _, k := range []SecondaryKind{SecondaryNSD, SecondaryKnot} {
		for _, signedOnly := range []bool{false, true} {
			s := StartSecondary(t, k, SecondaryOptions{Primary: nowhere, Zones: []string{"example.org"}, Key: key, SignedNotify: signedOnly, NoWait: true})
			for _, tc := range []struct {
				key  *TSIGKey
				want bool
			}{{nil, !signedOnly}, {key, true}, {other, false}} {
				r, err := s.Notify("example.org", nil, tc.key)
				got := err == nil && r.Rcode == dns.RcodeSuccess
				if got != tc.want {
					t.Errorf("%s SignedNotify=%t, NOTIFY signed with %v: accepted %t, want %t (%v %v)", k, signedOnly, tc.key, got, tc.want, r, err)
				}
			}
		}
	}
}
