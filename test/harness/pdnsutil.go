package harness

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/miekg/dns"
)

// PDNSUtilBinary is where Debian's pdns-server package puts pdnsutil;
// HOSTDNS_PDNSUTIL names another.
const PDNSUtilBinary = "/usr/bin/pdnsutil"

// PDNSUtil runs PowerDNS's pdnsutil against one gmysql database, so a test writes DNSSEC
// keys and settings into cryptokeys and domainmetadata exactly as an operator does.
type PDNSUtil struct {
	// Dir holds its pdns.conf.
	Dir string
	bin string
}

// NewPDNSUtil writes a pdns.conf for the PowerDNS database m (launch=gmysql,
// gmysql-dnssec=yes) into a temp dir and returns a runner for pdnsutil with it. It fails
// the test when pdnsutil is missing.
func NewPDNSUtil(t testing.TB, m *MariaDB) *PDNSUtil {
	t.Helper()
	bin := installed(t, "HOSTDNS_PDNSUTIL", PDNSUtilBinary, "pdns-server")
	cfg, err := mysql.ParseDSN(m.DSN)
	if err != nil {
		t.Fatalf("database DSN: %v", err)
	}
	host, port, ok := strings.Cut(cfg.Addr, ":")
	if !ok {
		port = "3306"
	}
	dir := t.TempDir()
	WriteFile(t, dir, "pdns.conf", fmt.Sprintf(`launch=gmysql
gmysql-host=%s
gmysql-port=%s
gmysql-user=%s
gmysql-password=%s
gmysql-dbname=%s
gmysql-dnssec=yes
`, host, port, cfg.User, cfg.Passwd, cfg.DBName))
	return &PDNSUtil{Dir: dir, bin: bin}
}

// Run runs pdnsutil with args and returns its standard output. It fails the test, showing
// both outputs, when pdnsutil exits non-zero.
func (p *PDNSUtil) Run(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(p.bin, append([]string{"--config-dir=" + p.Dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdnsutil %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// SecureZone runs secure-zone: one active, published CSK (flags 257) of pdnsutil's
// default algorithm, ECDSAP256SHA256 (13), then a rectify.
func (p *PDNSUtil) SecureZone(t testing.TB, zone string) { p.Run(t, "secure-zone", NoDot(zone)) }

// AddZoneKey runs add-zone-key for a "ksk" or "zsk" of DNSSEC algorithm algo (8, 10, 13,
// 14, 15, 16; RSA keys get 2048 bits), "active" or "inactive", "published" or
// "unpublished", and returns the new key's id (cryptokeys.id).
func (p *PDNSUtil) AddZoneKey(t testing.TB, zone, kind, active, published string, algo uint8) int {
	t.Helper()
	args := []string{"add-zone-key", NoDot(zone), kind}
	name, bits := pdnsAlgorithm(t, algo)
	if bits != "" {
		args = append(args, bits)
	}
	out := p.Run(t, append(args, active, published, name)...)
	id, err := strconv.Atoi(strings.TrimSpace(lastLine(out)))
	if err != nil {
		t.Fatalf("pdnsutil add-zone-key printed no key id: %q", out)
	}
	return id
}

// pdnsAlgorithm names algo as pdnsutil does, with the key size it needs.
func pdnsAlgorithm(t testing.TB, algo uint8) (name, bits string) {
	t.Helper()
	switch algo {
	case dns.RSASHA256:
		return "rsasha256", "2048"
	case dns.RSASHA512:
		return "rsasha512", "2048"
	case dns.ECDSAP256SHA256:
		return "ecdsa256", ""
	case dns.ECDSAP384SHA384:
		return "ecdsa384", ""
	case dns.ED25519:
		return "ed25519", ""
	case dns.ED448:
		return "ed448", ""
	}
	t.Fatalf("pdnsutil: no key generation for algorithm %d", algo)
	return "", ""
}

// ActivateZoneKey, DeactivateZoneKey, PublishZoneKey, UnpublishZoneKey and RemoveZoneKey
// change the key with id (cryptokeys.id) of zone as the pdnsutil commands of those names.
func (p *PDNSUtil) ActivateZoneKey(t testing.TB, zone string, id int) {
	p.keyCmd(t, "activate-zone-key", zone, id)
}

func (p *PDNSUtil) DeactivateZoneKey(t testing.TB, zone string, id int) {
	p.keyCmd(t, "deactivate-zone-key", zone, id)
}

func (p *PDNSUtil) RemoveZoneKey(t testing.TB, zone string, id int) {
	p.keyCmd(t, "remove-zone-key", zone, id)
}

func (p *PDNSUtil) keyCmd(t testing.TB, cmd, zone string, id int) {
	t.Helper()
	p.Run(t, cmd, NoDot(zone), strconv.Itoa(id))
}

// SetNSEC3 runs set-nsec3 with params (NSEC3PARAM text, "1 0 0 -" is RFC 9276's advice),
// narrow or not, then rectify-zone, as pdnsutil asks.
func (p *PDNSUtil) SetNSEC3(t testing.TB, zone, params string, narrow bool) {
	t.Helper()
	args := []string{"set-nsec3", NoDot(zone), params}
	if narrow {
		args = append(args, "narrow")
	}
	p.Run(t, args...)
	p.RectifyZone(t, zone)
}

// SetPresigned and UnsetPresigned set and clear the PRESIGNED metadata.
func (p *PDNSUtil) SetPresigned(t testing.TB, zone string) { p.Run(t, "set-presigned", NoDot(zone)) }

// SetPublishCDS sets PUBLISH-CDS with digests (pdnsutil's default, 2, when none).
func (p *PDNSUtil) SetPublishCDS(t testing.TB, zone string, digests ...uint8) {
	t.Helper()
	args := []string{"set-publish-cds", NoDot(zone)}
	if len(digests) > 0 {
		var ds []string
		for _, d := range digests {
			ds = append(ds, strconv.Itoa(int(d)))
		}
		args = append(args, strings.Join(ds, ","))
	}
	p.Run(t, args...)
}

// SetMeta replaces the metadata kind of zone with values (none: removes it), e.g. SOA-EDIT.
func (p *PDNSUtil) SetMeta(t testing.TB, zone, kind string, values ...string) {
	p.Run(t, append([]string{"set-meta", NoDot(zone), kind}, values...)...)
}

// RectifyZone runs rectify-zone: ordername, auth and empty non-terminal rows.
func (p *PDNSUtil) RectifyZone(t testing.TB, zone string) { p.Run(t, "rectify-zone", NoDot(zone)) }

// ExportZoneDS returns the DS records export-zone-ds prints for zone's KSKs and CSKs, all
// digest types, for use as a trust anchor.
func (p *PDNSUtil) ExportZoneDS(t testing.TB, zone string) []*dns.DS {
	t.Helper()
	out := p.Run(t, "export-zone-ds", NoDot(zone))
	ds, err := ParseDSLines(out)
	if err != nil {
		t.Fatalf("pdnsutil export-zone-ds %s: %v\n%s", zone, err, out)
	}
	return ds
}

// ListKeys returns the keys list-keys prints for zone.
func (p *PDNSUtil) ListKeys(t testing.TB, zone string) []PDNSKey {
	t.Helper()
	out := p.Run(t, "list-keys", NoDot(zone))
	keys, err := ParseKeyList(out)
	if err != nil {
		t.Fatalf("pdnsutil list-keys %s: %v\n%s", zone, err, out)
	}
	return keys
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
