package sqlbackend

import (
	"maps"
	"slices"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// apply installs what loadXfr read: the settings of ids (every domain when
// nil) and the keys read, which replace those of the same names; a name
// asked for but not found is forgotten. A full read replaces everything.
func (x *xfrSettings) apply(s *source, ids []int64, meta map[int64][]sqlstore.MetaRow, rows []sqlstore.TSIGKeyRow) {
	keys := parseKeys(rows)
	x.mu.Lock()
	defer x.mu.Unlock()
	if ids == nil {
		old := x.ofID
		x.byName, x.ofID, x.keys = map[string]xfrmeta.Zone{}, map[int64]xfrRows{}, keys
		for id := range meta {
			if r, ok := old[id]; ok {
				x.ofID[id] = r // kept for set's comparison
			}
			ids = append(ids, id)
		}
	} else {
		for _, n := range keyNames(meta) {
			delete(x.keys, n)
		}
		maps.Copy(x.keys, keys)
	}
	for _, id := range ids {
		x.set(s, id, meta[id])
	}
}

// set makes rows the settings of domain id. Rows as they were are not
// parsed again: every change to a zone comes here, and its problems are
// said once.
func (x *xfrSettings) set(s *source, id int64, rows []sqlstore.MetaRow) {
	name, served := s.zones.Served(id)
	old, had := x.ofID[id]
	if had && served && old.name == name && slices.Equal(old.rows, rows) {
		x.byName[name] = old.zone
		return
	}
	if had {
		delete(x.byName, old.name)
		delete(x.ofID, id)
	}
	if !served || len(rows) == 0 {
		return
	}
	in := make([]xfrmeta.Row, len(rows))
	for i, r := range rows {
		in[i] = xfrmeta.Row{Kind: r.Kind, Content: r.Content}
	}
	z := xfrmeta.Parse(in)
	for _, p := range z.Problems {
		log.Warningf("Zone %s: transfer setting skipped: %s", name, p)
	}
	x.byName[name], x.ofID[id] = z, xfrRows{name: name, rows: rows, zone: z}
}

// parseKeys checks the tsigkeys rows read; a bad one is said and skipped.
func parseKeys(rows []sqlstore.TSIGKeyRow) map[string]xfrmeta.Key {
	out := map[string]xfrmeta.Key{}
	for _, r := range rows {
		k, err := xfrmeta.ParseKey(r.Name, r.Algorithm, r.Secret)
		if err != nil {
			log.Warningf("tsigkeys: %v", err)
			continue
		}
		out[k.Name] = k
	}
	return out
}
