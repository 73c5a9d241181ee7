package alias

import (
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/answerdeps"
)

func TestMemoDeps(t *testing.T) {
	now := time.Unix(1000, 0)
	zone := answerdeps.New()

	made := &answerdeps.Recorder{}
	made.Serve(zone.Stamp())
	d := depsOf(made, now, 10*time.Second)

	if !d.use(nil, now) {
		t.Fatal("without a cache above the memo must answer")
	}
	rec := &answerdeps.Recorder{}
	if !d.use(rec, now.Add(4*time.Second)) || !rec.Cacheable() || len(rec.Stamps()) != 1 || rec.TTL() != 6*time.Second {
		t.Fatalf("fresh entry: cacheable %v stamps %v ttl %v; want cacheable, the zone, 6s", rec.Cacheable(), rec.Stamps(), rec.TTL())
	}

	zone.Bump()
	if d.use(&answerdeps.Recorder{}, now) {
		t.Fatal("an entry made from data that changed still answers")
	}
	if !d.use(nil, now) {
		t.Fatal("without a cache above the memo window alone decides")
	}

	unstamped := depsOf(&answerdeps.Recorder{}, now, time.Second) // nothing served it
	rec = &answerdeps.Recorder{}
	rec.Serve(answerdeps.Stamp{})
	if !unstamped.use(rec, now) || rec.Cacheable() {
		t.Fatal("an entry with no stamps must answer, uncacheable")
	}
	if depsOf(made, now, 0).ok {
		t.Fatal("an entry good for no time has stamps")
	}
}
