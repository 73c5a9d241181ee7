package sqlzone

import (
	"fmt"
	"math/bits"
	"math/rand"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coredns/coredns/plugin/file/tree"
	"github.com/miekg/dns"
)

// cowNames are the owner names of the property test: the apex, wildcards,
// deep names, names that sort next to each other, an escaped dot.
var cowNames = func() []string {
	names := []string{
		"example.org.", "*.example.org.", "a.example.org.", "*.a.example.org.",
		"b.a.example.org.", "c.b.a.example.org.", "d.c.b.a.example.org.",
		"x.example.org.", "y.x.example.org.", "*.y.x.example.org.", "www.example.org.",
		"_sip._tcp.example.org.", "a-b.example.org.", "aa.example.org.", "ab.example.org.",
		"0.example.org.", "z.example.org.", `a\.b.example.org.`,
		"WWW.example.org.", "_SIP._TCP.example.org.", // as SRV owner names may be
	}
	for i := range 30 {
		names = append(names, fmt.Sprintf("h%02d.example.org.", i))
	}
	return names
}()

// cowQueries are asked of Search, Prev and Next: every name, and names that
// sort before, between and after them.
var cowQueries = append(slices.Clone(cowNames),
	".", "org.", "example.com.", "zzz.example.org.", "q.a.example.org.",
	"e.c.b.a.example.org.", "h015.example.org.", "a.a.example.org.", "zz.zz.example.org.")

var cowTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeMX, dns.TypeCNAME}

// cowRR returns a new RR; the data comes from a small set so that equal RRs
// are common.
func cowRR(rng *rand.Rand, name string, typ uint16) dns.RR {
	hdr := dns.RR_Header{Name: name, Rrtype: typ, Class: dns.ClassINET, Ttl: 300}
	v := rng.Intn(3)
	switch typ {
	case dns.TypeA:
		return &dns.A{Hdr: hdr, A: net.IPv4(192, 0, 2, byte(v))}
	case dns.TypeAAAA:
		return &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(fmt.Sprintf("2001:db8::%d", v))}
	case dns.TypeTXT:
		return &dns.TXT{Hdr: hdr, Txt: []string{fmt.Sprint("t", v)}}
	case dns.TypeMX:
		return &dns.MX{Hdr: hdr, Preference: uint16(v), Mx: "mx.example.org."}
	default:
		return &dns.CNAME{Hdr: hdr, Target: fmt.Sprintf("c%d.example.net.", v)}
	}
}

// cowBatch returns a random patch of a tree that holds present.
func cowBatch(rng *rand.Rand, present []dns.RR) (del, add []dns.RR) {
	nDel, nAdd := rng.Intn(4), rng.Intn(4)
	if len(present) > 150 {
		nDel += 2
	}
	switch r := rng.Intn(100); {
	case r == 0: // everything goes
		del = slices.Clone(present)
		rng.Shuffle(len(del), func(i, j int) { del[i], del[j] = del[j], del[i] })
		nDel = 0
	case r < 5:
		nDel, nAdd = len(present)/2, 40
	}
	for range nDel {
		if len(present) == 0 {
			break
		}
		rr := present[rng.Intn(len(present))]
		switch rng.Intn(20) {
		case 0: // an equal RR that is not in the tree must not remove rr
			del = append(del, dns.Copy(rr))
		case 1: // the second delete of rr finds nothing
			del = append(del, rr, rr)
		default:
			del = append(del, rr)
		}
	}
	for range nAdd {
		switch r := rng.Intn(20); {
		case r == 0 && len(present) > 0: // the same RR twice, deleted one at a time
			add = append(add, present[rng.Intn(len(present))])
		case r < 5 && len(present) > 0: // a duplicate from another row
			add = append(add, dns.Copy(present[rng.Intn(len(present))]))
		default:
			add = append(add, cowRR(rng, cowNames[rng.Intn(len(cowNames))], cowTypes[rng.Intn(len(cowTypes))]))
		}
	}
	return del, add
}

// cowApply is what patchTree must do, on a list of RRs in insertion order.
func cowApply(present, del, add []dns.RR) []dns.RR {
	out := slices.Clone(present)
	for _, rr := range del {
		if i := slices.Index(out, rr); i >= 0 {
			out = slices.Delete(out, i, i+1)
		}
	}
	return append(out, add...)
}

func cowBuild(rrs []dns.RR) *tree.Tree {
	t := &tree.Tree{}
	for _, rr := range rrs {
		t.Insert(rr)
	}
	return t
}

// cowElem is the content of e: its name and, per type, its RRs by pointer.
func cowElem(e *tree.Elem) string {
	if e == nil {
		return "<nil>"
	}
	types := e.Types()
	slices.Sort(types)
	var b strings.Builder
	b.WriteString(cowName(e))
	for _, typ := range types {
		fmt.Fprintf(&b, " %s:", dns.TypeToString[typ])
		for _, rr := range e.Type(typ) {
			fmt.Fprintf(&b, " %p", rr)
		}
	}
	return b.String()
}

// cowContent is what t holds, in order, whatever its shape.
func cowContent(t *tree.Tree) []string {
	out := []string{fmt.Sprint("count ", t.Count)}
	t.Walk(func(e *tree.Elem, _ map[uint16][]dns.RR) error {
		out = append(out, cowElem(e))
		return nil
	})
	return out
}

// cowShape is all a reader of t can see: nodes, links, colors, elems, RRs.
func cowShape(t *tree.Tree) []string {
	out := []string{fmt.Sprintf("root %p count %d", t.Root, t.Count)}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		if n == nil {
			return
		}
		walk(n.Left)
		out = append(out, fmt.Sprintf("%p %v %p %p %p %s", n, n.Color, n.Left, n.Right, n.Elem, cowElem(n.Elem)))
		walk(n.Right)
	}
	walk(t.Root)
	return out
}

func cowDiff(got, want []string) string {
	for i := range max(len(got), len(want)) {
		g, w := "<none>", "<none>"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i, g, w)
		}
	}
	return ""
}

// cowCheck reports a broken LLRB invariant, order or count.
func cowCheck(t *tree.Tree) error {
	if t.Root != nil && t.Root.Color != black {
		return fmt.Errorf("red root")
	}
	var (
		prev  *tree.Elem
		nodes int
	)
	var height func(n *tree.Node) (int, error)
	height = func(n *tree.Node) (int, error) {
		if n == nil {
			return 1, nil
		}
		if n.Elem == nil || n.Elem.Empty() {
			return 0, fmt.Errorf("node without RRs")
		}
		name := n.Elem.Name()
		if isRed(n.Right) {
			return 0, fmt.Errorf("red right link below %s", name)
		}
		if isRed(n) && isRed(n.Left) {
			return 0, fmt.Errorf("two red links in a row at %s", name)
		}
		l, err := height(n.Left)
		if err != nil {
			return 0, err
		}
		if prev != nil && tree.Less(prev, name) <= 0 {
			return 0, fmt.Errorf("%s after %s", name, prev.Name())
		}
		prev = n.Elem
		nodes++
		r, err := height(n.Right)
		if err != nil {
			return 0, err
		}
		if l != r {
			return 0, fmt.Errorf("black height %d left and %d right of %s", l, r, name)
		}
		if n.Color == black {
			l++
		}
		return l, nil
	}
	if _, err := height(t.Root); err != nil {
		return err
	}
	if nodes != t.Count {
		return fmt.Errorf("count %d, %d nodes", t.Count, nodes)
	}
	return nil
}

func cowName(e *tree.Elem) string {
	if e == nil {
		return "<nil>"
	}
	return strings.ToLower(e.Name()) // the first RR's name, in its case
}

// cowSameQueries compares the answers of got and want, which hold the same
// names in different shapes.
func cowSameQueries(t *testing.T, got, want *tree.Tree) {
	t.Helper()
	type query func(*tree.Tree, string) (*tree.Elem, bool)
	for _, q := range []struct {
		name string
		f    query
	}{{"Search", (*tree.Tree).Search}, {"Prev", (*tree.Tree).Prev}, {"Next", (*tree.Tree).Next}} {
		for _, name := range cowQueries {
			ge, gok := q.f(got, name)
			we, wok := q.f(want, name)
			if g, w := cowName(ge), cowName(we); g != w || gok != wok {
				t.Fatalf("%s(%s) = %s, %v; want %s, %v", q.name, name, g, gok, w, wok)
			}
		}
	}
}

func TestPatchTreeMatchesRebuild(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		rng := rand.New(rand.NewSource(seed))
		cur, present := &tree.Tree{}, []dns.RR(nil)
		for step := range 3000 {
			del, add := cowBatch(rng, present)
			before := cowShape(cur)
			next := patchTree(cur, del, add)
			if d := cowDiff(cowShape(cur), before); d != "" {
				t.Fatalf("seed %d step %d: patch changed the old tree at %s", seed, step, d)
			}
			want := cowApply(present, del, add)
			rebuilt := cowBuild(want)
			if d := cowDiff(cowContent(next), cowContent(rebuilt)); d != "" {
				t.Fatalf("seed %d step %d: patched tree differs from rebuilt at %s", seed, step, d)
			}
			if err := cowCheck(next); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			cowSameQueries(t, next, rebuilt)

			// Another patch of the same old tree, as a second writer would
			// make, must leave the first result alone.
			if step%10 == 0 {
				shape := cowShape(next)
				del2, add2 := cowBatch(rng, present)
				other := patchTree(cur, del2, add2)
				if d := cowDiff(cowShape(next), shape); d != "" {
					t.Fatalf("seed %d step %d: second patch changed the first result at %s", seed, step, d)
				}
				if d := cowDiff(cowContent(other), cowContent(cowBuild(cowApply(present, del2, add2)))); d != "" {
					t.Fatalf("seed %d step %d: second patch differs from rebuilt at %s", seed, step, d)
				}
			}
			cur, present = next, want
		}
	}
}

// cowHosts returns one A record for each of n names, in name order, as a
// zone's rows often come.
func cowHosts(n int) []dns.RR {
	rrs := make([]dns.RR, n)
	for i := range rrs {
		rrs[i] = &dns.A{
			Hdr: dns.RR_Header{Name: fmt.Sprintf("h%06d.example.org.", i), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
			A:   net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)),
		}
	}
	return rrs
}

func cowNewA(name string) dns.RR {
	return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 1)}
}

// cowNodes returns the nodes of t.
func cowNodes(t *tree.Tree) map[*tree.Node]bool {
	seen := map[*tree.Node]bool{}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		if n != nil {
			seen[n] = true
			walk(n.Left)
			walk(n.Right)
		}
	}
	walk(t.Root)
	return seen
}

// cowCopied counts the nodes below n that are not in old.
func cowCopied(n *tree.Node, old map[*tree.Node]bool) int {
	if n == nil {
		return 0
	}
	c := cowCopied(n.Left, old) + cowCopied(n.Right, old)
	if !old[n] {
		c++
	}
	return c
}

func TestPatchTreeCopiesOnePath(t *testing.T) {
	const n = 100000
	rng := rand.New(rand.NewSource(1))
	rrs := cowHosts(n)
	rng.Shuffle(n, func(i, j int) { rrs[i], rrs[j] = rrs[j], rrs[i] }) // a shape less regular than sorted input makes
	base := cowBuild(rrs)
	old := cowNodes(base)
	limit := 3 * bits.Len(n) // an LLRB path is at most 2·log2(n) long

	worst := map[string]int{}
	for i := range 10 {
		rr := rrs[rng.Intn(n)]
		for kind, patch := range map[string][2][]dns.RR{
			"new name":     {nil, {cowNewA(fmt.Sprintf("new%d.example.org.", i))}},
			"name removed": {{rr}, nil},
			"RR added":     {nil, {cowNewA(rr.Header().Name)}},
		} {
			got := patchTree(base, patch[0], patch[1])
			if err := cowCheck(got); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			worst[kind] = max(worst[kind], cowCopied(got.Root, old))
		}
	}
	for kind, copied := range worst {
		if copied > limit {
			t.Errorf("%s: %d nodes copied, want at most %d", kind, copied, limit)
		}
	}
	t.Logf("nodes copied at most, of %d: %v", n, worst)
}

// A batch copies the path it shares once, not once per change.
func TestPatchTreeBatchCopiesOnce(t *testing.T) {
	const n, k = 100000, 100
	base := cowBuild(cowHosts(n))
	var add []dns.RR
	single := 0
	for i := range k {
		rr := cowNewA(fmt.Sprintf("h050000-%03d.example.org.", i))
		add = append(add, rr)
		p := cow{fresh: map[*tree.Node]struct{}{}}
		p.patch(base, nil, []dns.RR{rr})
		single += len(p.fresh)
	}
	p := cow{fresh: map[*tree.Node]struct{}{}}
	got := p.patch(base, nil, add)
	if err := cowCheck(got); err != nil {
		t.Fatal(err)
	}
	if len(p.fresh) > single/4 {
		t.Errorf("batch of %d made %d nodes, %d one at a time", k, len(p.fresh), single)
	}
	t.Logf("batch of %d made %d nodes, %d one at a time", k, len(p.fresh), single)
}

// cowTouch reads every field a reader may read.
func cowTouch(n *tree.Node) (sum int) {
	for ; n != nil; n = n.Right {
		sum += cowTouch(n.Left)
		if n.Color == black {
			sum++
		}
		for _, typ := range n.Elem.Types() {
			for _, rr := range n.Elem.Type(typ) {
				sum += len(rr.Header().Name)
			}
		}
	}
	return sum
}

// Run with -race: readers walk the trees that patches are made from.
func TestPatchTreeConcurrentReaders(t *testing.T) {
	rrs := cowHosts(5000)
	base := cowBuild(rrs)
	shape := cowShape(base)
	var cur atomic.Pointer[tree.Tree]
	cur.Store(base)

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 4 {
		readers.Go(func() {
			rng := rand.New(rand.NewSource(int64(i)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, tr := range []*tree.Tree{base, cur.Load()} {
					name := rrs[rng.Intn(len(rrs))].Header().Name
					tr.Search(name)
					tr.Prev(name)
					tr.Next(name)
					tr.Walk(func(e *tree.Elem, m map[uint16][]dns.RR) error {
						for _, rrs := range m {
							_ = rrs[0].Header().Name
						}
						return nil
					})
					cowTouch(tr.Root)
				}
			}
		})
	}

	// Two writers: one patches the newest tree, one keeps patching base.
	patch := func(seed int64, chain bool) {
		rng := rand.New(rand.NewSource(seed))
		for i := range 500 {
			from := base
			if chain {
				from = cur.Load()
			}
			del := []dns.RR{rrs[rng.Intn(len(rrs))], rrs[rng.Intn(len(rrs))]}
			add := []dns.RR{cowNewA(fmt.Sprintf("n%d-%d.example.org.", seed, i)), cowNewA(rrs[rng.Intn(len(rrs))].Header().Name)}
			next := patchTree(from, del, add)
			if chain {
				cur.Store(next)
			}
		}
	}
	var writers sync.WaitGroup
	writers.Go(func() { patch(1, true) })
	writers.Go(func() { patch(2, false) })
	writers.Wait()
	close(stop)
	readers.Wait()

	if d := cowDiff(cowShape(base), shape); d != "" {
		t.Fatalf("patches changed the tree they started from at %s", d)
	}
	if err := cowCheck(cur.Load()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPatchTree is one change to a zone of 200,000 names: one name
// removed and one added. Compare with BenchmarkBuildTree200k.
func BenchmarkPatchTree(b *testing.B) {
	rrs := cowHosts(200000)
	base := cowBuild(rrs)
	add := make([]dns.RR, 1024)
	for i := range add {
		add[i] = cowNewA(fmt.Sprintf("new%d.example.org.", i))
	}
	i := 0
	for b.Loop() {
		patchTree(base, []dns.RR{rrs[i%len(rrs)]}, []dns.RR{add[i%len(add)]})
		i++
	}
}

// BenchmarkBuildTree200k builds the tree of BenchmarkPatchTree from scratch.
func BenchmarkBuildTree200k(b *testing.B) {
	rrs := cowHosts(200000)
	for b.Loop() {
		if t := cowBuild(rrs); t.Count != len(rrs) {
			b.Fatalf("%d names, want %d", t.Count, len(rrs))
		}
	}
}
