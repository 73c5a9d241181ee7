package access

import (
	"maps"
	"slices"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

func TestAddSecrets(t *testing.T) {
	fromTsigPlugin := map[string]string{"stock.": "c3RvY2s="}
	cfg := &dnsserver.Config{TsigSecret: fromTsigPlugin}
	keys := map[string]xfrmeta.Key{"xfr.": {Name: "xfr.", Algorithm: "hmac-sha256.", Secret: "eGZy"}}
	if err := AddSecrets(cfg, keys); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"stock.": "c3RvY2s=", "xfr.": "eGZy"}; !maps.Equal(cfg.TsigSecret, want) {
		t.Errorf("TsigSecret = %v, want %v", cfg.TsigSecret, want)
	}
	if len(fromTsigPlugin) != 1 {
		t.Error("the tsig plugin's own map was written to")
	}
	if err := AddSecrets(cfg, keys); err != nil {
		t.Errorf("the same key again: %v", err)
	}
	clash := map[string]xfrmeta.Key{"stock.": {Name: "stock.", Secret: "b3RoZXI="}}
	if err := AddSecrets(cfg, clash); err == nil {
		t.Error("a key with another secret was taken")
	}
	empty := &dnsserver.Config{}
	if err := AddSecrets(empty, keys); err != nil || empty.TsigSecret["xfr."] != "eGZy" {
		t.Errorf("into no map: %v, %v", empty.TsigSecret, err)
	}
	if got := Unverifiable(cfg, Policy{Keys: []string{"xfr.", "sqlonly."}}); !slices.Equal(got, []string{"sqlonly."}) {
		t.Errorf("Unverifiable = %v", got)
	}
}
