package secondaryfeed

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/journal"
)

// listedFiles serves zones with the stock file plugin and lists them, as sqlbackend
// lists its SQL zones: a real Transferer and xfrmeta.Lister whose zones come and go.
type listedFiles struct {
	mu     sync.Mutex
	zones  map[string]*file.Zone
	loaded bool
}

func (s *listedFiles) Transfer(name string, serial uint32) (<-chan []dns.RR, error) {
	s.mu.Lock()
	z := s.zones[name]
	s.mu.Unlock()
	if z == nil {
		return nil, transfer.ErrNotAuthoritative
	}
	return file.File{Zones: file.Zones{Z: map[string]*file.Zone{name: z}, Names: []string{name}}}.Transfer(name, serial)
}

func (s *listedFiles) Zones() ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return nil, false
	}
	var out []string
	for n := range s.zones {
		out = append(out, n)
	}
	return out, true
}

func (s *listedFiles) put(t *testing.T, name string) {
	t.Helper()
	text := fmt.Sprintf("$ORIGIN %s\n@ 3600 IN SOA ns1 hostmaster 5 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n", name)
	z, err := file.Parse(strings.NewReader(text), name, "db."+name, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.zones[name] = z
	s.loaded = true
	s.mu.Unlock()
}

func (s *listedFiles) remove(name string) {
	s.mu.Lock()
	delete(s.zones, name)
	s.mu.Unlock()
}

func discoveringFeed(src *listedFiles, roots ...string) *Feed {
	f := newFeed(fedAtStart(roots, true))
	f.disc = newDiscovery(roots)
	f.Poll = 20 * time.Millisecond
	f.Store = journal.NewMemory(journal.Options{})
	f.sources = []transfer.Transferer{src}
	f.listers = []xfrmeta.Lister{src}
	f.addCatalog("catalog.invalid.")
	return f
}

// With discover, the zones a source lists under the Corefile's zones are fed as they come
// and go: a new one is built and joins the catalog, a removed one leaves it and its
// journal and serial metric go. Nothing is ready until the source can list its zones.
func TestDiscoverFollowsListedZones(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := &listedFiles{zones: map[string]*file.Zone{}}
	f := discoveringFeed(src, ".")
	f.start()
	defer stopDiscovering(f)
	if f.Ready() {
		t.Fatal("ready before the source could list its zones")
	}

	src.put(t, "a.example.")
	src.put(t, "b.example.")
	f.Notify("a.example.")
	// The listing loop may have run between the two puts: then b.example. comes with the
	// next listing, which the NOTIFY asks for.
	both := []string{"a.example.", "b.example."}
	waitUntil(5*time.Second, func() bool { return f.Ready() && slices.Equal(f.members(), both) })
	if got := f.members(); !f.Ready() || !slices.Equal(got, both) {
		t.Fatalf("fed zones %v, want a.example. and b.example.", got)
	}
	if f.zone(".") != nil {
		t.Error("the root zone is fed: with discover it only scopes the listing")
	}
	waitUntil(5*time.Second, func() bool { return catalogLists(f, "a.example.", "b.example.") })
	if !catalogLists(f, "a.example.", "b.example.") {
		t.Errorf("catalog lists %v, want a.example. and b.example.", catalogMembers(f))
	}

	src.put(t, "c.example.")
	f.Notify("c.example.")
	waitUntil(5*time.Second, func() bool { z := f.zone("c.example."); return z != nil && z.cur.Load() != nil })
	if z := f.zone("c.example."); z == nil || z.cur.Load() == nil || z.cur.Load().Serial != 5 {
		t.Fatal("c.example. not fed at serial 5 after it was listed and notified")
	}

	src.remove("a.example.")
	f.Notify("a.example.")
	waitUntil(5*time.Second, func() bool { return f.zone("a.example.") == nil && catalogLists(f, "b.example.", "c.example.") })
	if f.zone("a.example.") != nil {
		t.Fatal("a.example. still fed after the source dropped it")
	}
	if !catalogLists(f, "b.example.", "c.example.") {
		t.Errorf("catalog lists %v after a.example. went, want b.example. and c.example.", catalogMembers(f))
	}
	if v, err := f.Store.Current(context.Background(), "a.example."); err != nil || v != nil {
		t.Errorf("a.example.'s journal kept after it went: %v, %v", v, err)
	}
	if serialGauge.DeleteLabelValues("a.example.") {
		t.Error("a.example.'s serial is still a metric after it went")
	}
}

// The Corefile's zones bound what is discovered: a listed zone outside them is not fed.
func TestDiscoverInsideRoots(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := &listedFiles{zones: map[string]*file.Zone{}}
	src.put(t, "a.example.")
	src.put(t, "other.test.")
	f := discoveringFeed(src, "example.")
	f.start()
	defer stopDiscovering(f)
	waitUntil(5*time.Second, f.Ready)
	if got := f.members(); !slices.Equal(got, []string{"a.example.", "example."}) {
		t.Errorf("fed zones %v, want a.example. (listed) and example. (named in the Corefile)", got)
	}
}

func catalogMembers(f *Feed) []string {
	v := f.zone("catalog.invalid.").cur.Load()
	if v == nil {
		return nil
	}
	var out []string
	for _, rr := range v.RRs {
		if p, ok := rr.(*dns.PTR); ok && strings.HasSuffix(rr.Header().Name, ".zones.catalog.invalid.") {
			out = append(out, p.Ptr)
		}
	}
	slices.Sort(out)
	return out
}

func catalogLists(f *Feed, zones ...string) bool { return slices.Equal(catalogMembers(f), zones) }

// stopDiscovering stops f as its lifecycle's shutdown does, releasing the zones it fed.
func stopDiscovering(f *Feed) {
	f.stop()
	releaseZones(f.members())
}
