package zoneset

import (
	"context"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// TestDeps: an answer cache's stamps of a zone go stale exactly when that
// zone's answers may change (a patch, a rebuild, a zone under it appearing or
// disappearing), and not when another zone changes.
func TestDeps(t *testing.T) {
	for _, bound := range []int{0, 1000} {
		t.Run(map[int]string{0: "eager", 1000: "lazy"}[bound], func(t *testing.T) {
			ctx := context.Background()
			st := openSeeded(t)
			s := New(bound, storeReader{st}, testMetrics())
			fullLoad(t, s, st)
			stamps := func(qname string) []answerdeps.Stamp {
				t.Helper()
				rec := &answerdeps.Recorder{}
				if _, _, err := s.Match(answerdeps.With(ctx, rec), qname); err != nil {
					t.Fatal(err)
				}
				if rec.Cacheable() {
					t.Fatal("Match alone made the answer cacheable: only the plugin that answers may")
				}
				return append([]answerdeps.Stamp(nil), rec.Stamps()...)
			}
			current := func(ss []answerdeps.Stamp) bool {
				for _, s := range ss {
					if !s.Current() {
						return false
					}
				}
				return true
			}
			exec := func(q string) {
				t.Helper()
				if _, err := st.DB.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			apply := func(id int64, touch *sqlstore.Touch) {
				t.Helper()
				if _, err := s.Apply(ctx, id, touch); err != nil {
					t.Fatal(err)
				}
			}

			www := stamps("www.example.org.")
			deep := stamps("x.a.b.example.org.")
			if len(www) != 2 || len(deep) != 2 {
				t.Fatalf("stamps: www %v, deep %v; want membership and zone each", www, deep)
			}
			if !current(www) || !current(stamps("www.example.org.")) {
				t.Fatal("fresh stamps are not current")
			}

			exec(`UPDATE records SET content = '192.0.2.9' WHERE id = 4`)
			apply(2, &sqlstore.Touch{Whole: true})
			if current(deep) {
				t.Error("a.b.example.org changed, its stamps are still current")
			}
			if !current(www) {
				t.Error("a.b.example.org changed, example.org's stamps went stale")
			}

			// A new zone between: every name under it may answer differently.
			www = stamps("www.example.org.")
			exec(`INSERT INTO domains (id, name, type) VALUES (4, 'www.example.org', 'NATIVE')`)
			exec(`INSERT INTO records (id, domain_id, name, type, content, ttl, prio, disabled) VALUES (7, 4, 'www.example.org', 'SOA', 'ns.example.org hm.example.org 1 2 3 4 5', 60, 0, 0)`)
			apply(4, &sqlstore.Touch{Whole: true})
			if current(www) {
				t.Error("a zone appeared at www.example.org, the old answer's stamps are still current")
			}
			if name, _, _ := s.Match(ctx, "www.example.org."); name != "www.example.org." {
				t.Fatalf("Match = %q after the new zone", name)
			}

			// Deleting it moves the membership on again.
			now := stamps("www.example.org.")
			exec(`DELETE FROM records WHERE domain_id = 4`)
			exec(`DELETE FROM domains WHERE id = 4`)
			apply(4, &sqlstore.Touch{Whole: true})
			if current(now) {
				t.Error("the zone at www.example.org was deleted, its stamps are still current")
			}

			// A full load replaces every version.
			deep = stamps("x.a.b.example.org.")
			fullLoad(t, s, st)
			if current(deep) {
				t.Error("after a full load the old stamps are still current")
			}
		})
	}
}
