package sqlbackend

import (
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/pdnskeys"
)

// TestKeyringsUnchanged: a zone's keys are parsed again only when its rows, its
// metadata or its name changed.
func TestKeyringsUnchanged(t *testing.T) {
	k := newKeyrings()
	rows := []pdnskeys.Row{{ID: 1, Flags: 257, Active: true, Published: true, Content: "k"}}
	meta := []pdnskeys.MetaRow{{Kind: "NSEC3NARROW", Content: "1"}}
	ring := &pdnskeys.Keyring{Origin: "example.org.", Keys: []pdnskeys.Key{{ID: 1, Active: true}}}
	if !k.unchanged(7, keyRows{name: "example.org."}) {
		t.Error("no rows, none before: want unchanged")
	}
	if z, a, i := k.set(7, keyRows{name: "example.org.", rows: rows, meta: meta, ring: ring}); z != 1 || a != 1 || i != 0 {
		t.Errorf("set: %d zones, %d active, %d inactive; want 1, 1, 0", z, a, i)
	}
	if !k.unchanged(7, keyRows{name: "example.org.", rows: []pdnskeys.Row{rows[0]}, meta: []pdnskeys.MetaRow{meta[0]}}) {
		t.Error("equal rows in new slices: want unchanged")
	}
	changed := rows[0]
	changed.Active = false
	for what, kr := range map[string]keyRows{
		"a row changed": {name: "example.org.", rows: []pdnskeys.Row{changed}, meta: meta},
		"metadata gone": {name: "example.org.", rows: rows},
		"renamed":       {name: "example.net.", rows: rows, meta: meta},
		"the rows gone": {name: "example.org."},
	} {
		if k.unchanged(7, kr) {
			t.Errorf("%s: want changed", what)
		}
	}
	if z, a, _ := k.set(7, keyRows{name: "example.org."}); z != -1 || a != -1 || k.get("example.org.") != nil {
		t.Errorf("rows gone: %d zones, %d active, keyring %v; want -1, -1, none", z, a, k.get("example.org."))
	}
}
