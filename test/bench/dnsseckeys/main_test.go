package main

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestRun: every zone gets a KSK and a ZSK row, the NSEC3 metadata, and key
// files the stock dnssec plugin can read (public key matching the private one,
// so a signature made with one verifies with the other).
func TestRun(t *testing.T) {
	dir := t.TempDir()
	zones := []string{"a.example.", "o'b.example."}
	sqlOut, metaOut, keyDir := filepath.Join(dir, "keys.sql"), filepath.Join(dir, "nsec3.sql"), filepath.Join(dir, "keys")
	if err := run(zones, sqlOut, keyDir, metaOut); err != nil {
		t.Fatal(err)
	}
	sql, _ := os.ReadFile(sqlOut)
	for _, want := range []string{"SELECT id,257,1,1,'Private-key-format: v1.", "name='o''b.example'"} {
		if !strings.Contains(string(sql), want) {
			t.Errorf("keys.sql lacks %q", want)
		}
	}
	if n := strings.Count(string(sql), "INSERT INTO cryptokeys"); n != 4 {
		t.Errorf("%d cryptokeys rows, want 4", n)
	}
	meta, _ := os.ReadFile(metaOut)
	if n := strings.Count(string(meta), "'NSEC3PARAM','1 0 0 -'"); n != 2 {
		t.Errorf("%d NSEC3PARAM rows, want 2", n)
	}
	pubs, _ := filepath.Glob(filepath.Join(keyDir, "Ka.example.+013+*.key"))
	if len(pubs) != 2 {
		t.Fatalf("key files for a.example.: %v, want 2", pubs)
	}
	for _, pub := range pubs {
		verifyKeyFile(t, pub)
	}
}

func verifyKeyFile(t *testing.T, pub string) {
	t.Helper()
	f, err := os.Open(pub)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := dns.ReadRR(f, pub)
	if err != nil {
		t.Fatal(err)
	}
	k := rr.(*dns.DNSKEY)
	pf, err := os.Open(strings.TrimSuffix(pub, ".key") + ".private")
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	priv, err := k.ReadPrivateKey(pf, pub)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := dns.NewRR("www.a.example. 60 IN A 192.0.2.1")
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: "www.a.example.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 60},
		KeyTag: k.KeyTag(), SignerName: k.Hdr.Name, Algorithm: k.Algorithm, Inception: 1, Expiration: 1 << 31}
	if err := sig.Sign(priv.(crypto.Signer), []dns.RR{a}); err != nil {
		t.Fatal(err)
	}
	if err := sig.Verify(k, []dns.RR{a}); err != nil {
		t.Errorf("%s: signature does not verify: %v", pub, err)
	}
}
