package sqlbackend

import (
	"slices"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/miekg/dns"
)

func TestKeyNames(t *testing.T) {
	meta := map[int64][]sqlstore.MetaRow{
		1: {{Kind: "TSIG-ALLOW-AXFR", Content: " Xfr-Key "}, {Kind: "ALSO-NOTIFY", Content: "192.0.2.1"}},
		2: {{Kind: "AXFR-MASTER-TSIG", Content: "master."}, {Kind: "TSIG-ALLOW-AXFR", Content: "xfr-key."}},
		3: {{Kind: "TSIG-ALLOW-AXFR", Content: "a..b"}, {Kind: "tsig-allow-axfr", Content: "lower"}},
	}
	got := keyNames(meta)
	slices.Sort(got)
	if want := []string{"master.", "xfr-key."}; !slices.Equal(got, want) {
		t.Errorf("keyNames = %v, want %v", got, want)
	}
	if b := bare([]string{"xfr-key.", "master."}); !slices.Equal(b, []string{"xfr-key", "master"}) {
		t.Errorf("bare = %v", b)
	}
}

func TestParseKeys(t *testing.T) {
	got := parseKeys([]sqlstore.TSIGKeyRow{
		{Name: "xfr-key", Algorithm: "hmac-sha256", Secret: "c2VjcmV0"},
		{Name: "old", Algorithm: "hmac-md5", Secret: "c2VjcmV0"},
		{Name: "broken", Algorithm: "hmac-sha256", Secret: "%%%"},
	})
	want := map[string]xfrmeta.Key{"xfr-key.": {Name: "xfr-key.", Algorithm: dns.HmacSHA256, Secret: "c2VjcmV0"}}
	if len(got) != 1 || got["xfr-key."] != want["xfr-key."] {
		t.Errorf("parseKeys = %v, want %v", got, want)
	}
}
