package harness

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// What pdnsutil 4.7.3 (Debian 12) prints.
const (
	exportZoneDS = `example.org. IN DS 37154 13 2 ba7b1dcc218d4ef753514dd3d87af24b7a496c13a9f07af87ae078d917eb7c83 ; ( SHA256 digest )
example.org. IN DS 37154 13 4 b6ff3dde628e3fc04adbfdf78d7cac7a17aaf91a1d226406462bc57cb2ffbcf421b03b3b9174e629db6754d4054ee0b5 ; ( SHA-384 digest )
`
	listKeys = `Zone                          Type Act Pub Size    Algorithm       ID   Location    Keytag
------------------------------------------------------------------------------------------
example.org                   CSK  Act Pub 256     ECDSAP256SHA256 1    cryptokeys  37154
example.org                   ZSK          256     ED25519         2    cryptokeys  2504
example.org                   KSK  Act     2048    RSASHA256       3    cryptokeys  4321
`
)

func TestParseDSLines(t *testing.T) {
	ds, err := ParseDSLines(exportZoneDS)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].KeyTag != 37154 || ds[0].Algorithm != dns.ECDSAP256SHA256 ||
		ds[0].DigestType != dns.SHA256 || ds[1].DigestType != dns.SHA384 || ds[0].Hdr.Name != "example.org." {
		t.Errorf("got %v", ds)
	}
	for _, bad := range []string{"example.org. IN DNSKEY 257 3 13 AAAA", "garbage"} {
		if _, err := ParseDSLines(bad); err == nil {
			t.Errorf("ParseDSLines(%q): no error", bad)
		}
	}
}

func TestParseKeyList(t *testing.T) {
	keys, err := ParseKeyList(listKeys)
	if err != nil {
		t.Fatal(err)
	}
	want := []PDNSKey{
		{Zone: "example.org", Type: "CSK", Active: true, Published: true, Algorithm: "ECDSAP256SHA256", ID: 1, Tag: 37154},
		{Zone: "example.org", Type: "ZSK", Algorithm: "ED25519", ID: 2, Tag: 2504},
		{Zone: "example.org", Type: "KSK", Active: true, Algorithm: "RSASHA256", ID: 3, Tag: 4321},
	}
	if len(keys) != len(want) {
		t.Fatalf("got %+v, want %+v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("key %d: got %+v, want %+v", i, keys[i], want[i])
		}
	}
	for _, bad := range []string{
		"example.org CSK Act Pub 256 ECDSAP256SHA256 x cryptokeys 1",
		"example.org CSK Act Pub 256 ECDSAP256SHA256 1 cryptokeys 70000",
		"example.org CSK Foo Pub 256 ECDSAP256SHA256 1 cryptokeys 1",
		"example.org CSK",
	} {
		if _, err := ParseKeyList(bad); err == nil {
			t.Errorf("ParseKeyList(%q): no error", bad)
		}
	}
}

// The parsers never panic, and what they accept reads back the same.
func FuzzParseDSLines(f *testing.F) {
	f.Add(exportZoneDS)
	f.Add("")
	f.Add("; only a comment\n")
	f.Add("example.org. IN DS 1 13 2 00")
	f.Fuzz(func(t *testing.T, text string) {
		ds, err := ParseDSLines(text)
		if err != nil {
			return
		}
		for _, d := range ds {
			again, err := ParseDSLines(d.String())
			if err != nil || len(again) != 1 || again[0].String() != d.String() {
				t.Errorf("%q does not read back: %v %v", d.String(), again, err)
			}
		}
	})
}

func FuzzParseKeyList(f *testing.F) {
	f.Add(listKeys)
	f.Add("")
	f.Add("a b c d e f g h i j")
	f.Fuzz(func(t *testing.T, text string) {
		keys, err := ParseKeyList(text)
		if err != nil {
			return
		}
		if n := len(keys); n > strings.Count(text, "\n")+1 {
			t.Errorf("%d keys from %d lines", n, strings.Count(text, "\n")+1)
		}
	})
}
