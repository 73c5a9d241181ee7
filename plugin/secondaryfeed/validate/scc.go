package validate

// components returns the strongly connected components of g (Tarjan), iteratively so a
// long chain of names cannot exhaust the stack.
func components(g *links) [][]string {
	t := &tarjan{g: g, index: map[string]int{}, low: map[string]int{}, on: map[string]bool{}}
	for _, n := range g.names {
		if _, seen := t.index[n]; !seen {
			t.visit(n)
		}
	}
	return t.out
}

type tarjan struct {
	g     *links
	next  int
	index map[string]int
	low   map[string]int
	on    map[string]bool
	stack []string
	out   [][]string
}

// frame is one name being visited and how many of its edges are done.
type frame struct {
	name string
	edge int
}

func (t *tarjan) visit(root string) {
	t.enter(root)
	call := []frame{{name: root}}
	for len(call) > 0 {
		f := &call[len(call)-1]
		edges := t.g.edges[f.name]
		if f.edge < len(edges) {
			w := edges[f.edge]
			f.edge++
			if _, seen := t.index[w]; !seen {
				t.enter(w)
				call = append(call, frame{name: w})
			} else if t.on[w] {
				t.low[f.name] = min(t.low[f.name], t.index[w])
			}
			continue
		}
		n := f.name
		call = call[:len(call)-1]
		if len(call) > 0 {
			p := call[len(call)-1].name
			t.low[p] = min(t.low[p], t.low[n])
		}
		if t.low[n] == t.index[n] {
			t.pop(n)
		}
	}
}

func (t *tarjan) enter(n string) {
	t.index[n], t.low[n] = t.next, t.next
	t.next++
	t.stack = append(t.stack, n)
	t.on[n] = true
}

// pop takes the component rooted at n off the stack.
func (t *tarjan) pop(n string) {
	var c []string
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.on[w] = false
		c = append(c, w)
		if w == n {
			break
		}
	}
	t.out = append(t.out, c)
}
