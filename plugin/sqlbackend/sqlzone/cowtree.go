package sqlzone

import (
	"strings"

	"github.com/coredns/coredns/plugin/file/tree"
	"github.com/miekg/dns"
)

// The tree package keeps its colors unexported; these are the same values.
const red, black tree.Color = false, true

// patchTree returns a tree that holds what t holds minus the RRs in del plus
// the RRs in add. Rebuilding a zone for every change costs time linear in the
// zone, too much for big zones that change often; patching costs
// O((len(del)+len(add)) · log n), plus copying the RRs of the names changed.
//
// file.Zone.Lookup walks the tree without a lock, so t, its nodes and its
// elems are never written: a node is copied before any of its fields change
// (path copying) and a changed name gets a new elem, everything else is
// shared between t and the result. Readers of t see t, readers of the result
// see the result, and both may run while patchTree does.
//
// An RR in del is removed by identity, not by content: a zone may hold two
// equal RRs from two database rows, and each row's delete must remove its
// own. An RR in del that t does not hold is ignored. The RRs in add are added
// after the deletions, as tree.Tree.Insert adds them.
func patchTree(t *tree.Tree, del, add []dns.RR) *tree.Tree {
	return cow{fresh: map[*tree.Node]struct{}{}}.patch(t, del, add)
}

// cow holds the nodes made by one patch: only those may be written, and a
// path that many changes of a batch share is copied once.
type cow struct {
	fresh map[*tree.Node]struct{}
}

func (p cow) patch(t *tree.Tree, del, add []dns.RR) *tree.Tree {
	if t == nil {
		t = &tree.Tree{}
	}
	var (
		byName = map[string]int{}
		ch     []nameChange
	)
	// The tree compares names without case, and file.Zone.Insert leaves the
	// case of SRV owner names alone: one elem may hold names in two cases.
	group := func(rr dns.RR) *nameChange {
		name := rr.Header().Name
		key := strings.ToLower(name)
		i, ok := byName[key]
		if !ok {
			i = len(ch)
			byName[key] = i
			ch = append(ch, nameChange{name: name})
		}
		return &ch[i]
	}
	for _, rr := range del {
		c := group(rr)
		c.del = append(c.del, rr)
	}
	for _, rr := range add {
		c := group(rr)
		c.add = append(c.add, rr)
	}

	root, count := t.Root, t.Count
	for _, c := range ch {
		old, _ := (&tree.Tree{Root: root}).Search(c.name)
		e, changed := c.apply(old)
		switch {
		case !changed:
		case e == nil:
			root = p.delete(root, c.name)
			count--
		default:
			if old == nil {
				count++
			}
			root = p.put(root, c.name, e)
		}
		if root != nil && root.Color != black {
			root = p.own(root)
			root.Color = black
		}
	}
	return &tree.Tree{Root: root, Count: count}
}

// nameChange is what a patch does to one owner name.
type nameChange struct {
	name     string
	del, add []dns.RR
}

// apply returns the elem that replaces old (nil when none is left), and
// whether it differs from old. The elem is new: old may be in use.
func (c nameChange) apply(old *tree.Elem) (e *tree.Elem, changed bool) {
	var gone map[dns.RR]int
	if old != nil && len(c.del) > 0 {
		gone = make(map[dns.RR]int, len(c.del))
		for _, rr := range c.del {
			gone[rr]++
		}
	}
	// tree.Elem can only be made by a tree, so a throwaway one makes it.
	var b tree.Tree
	if old != nil {
		for _, typ := range old.Types() {
			for _, rr := range old.Type(typ) {
				if gone[rr] > 0 {
					gone[rr]--
					changed = true
					continue
				}
				b.Insert(rr)
			}
		}
	}
	if !changed && len(c.add) == 0 {
		return old, false
	}
	for _, rr := range c.add {
		b.Insert(rr)
	}
	if b.Root == nil {
		return nil, true
	}
	return b.Root.Elem, true
}

// own returns n if it is fresh, and a fresh copy of n if it is not.
func (p cow) own(n *tree.Node) *tree.Node {
	if n == nil {
		return nil
	}
	if _, ok := p.fresh[n]; ok {
		return n
	}
	c := *n
	p.fresh[&c] = struct{}{}
	return &c
}

func isRed(n *tree.Node) bool { return n != nil && n.Color == red }

// The rest are the bu23 algorithms of tree.go, with a node made fresh before
// it is written. Every n passed in is fresh unless said otherwise.

// put sets the elem of name to e, adding a node if name has none. n need not
// be fresh.
func (p cow) put(n *tree.Node, name string, e *tree.Elem) *tree.Node {
	if n == nil {
		c := &tree.Node{Elem: e, Color: red}
		p.fresh[c] = struct{}{}
		return c
	}
	n = p.own(n)
	switch c := tree.Less(n.Elem, name); {
	case c == 0:
		n.Elem = e
		return n
	case c < 0:
		n.Left = p.put(n.Left, name, e)
	default:
		n.Right = p.put(n.Right, name, e)
	}
	if isRed(n.Right) && !isRed(n.Left) {
		n = p.rotateLeft(n)
	}
	if isRed(n.Left) && isRed(n.Left.Left) {
		n = p.rotateRight(n)
	}
	if isRed(n.Left) && isRed(n.Right) {
		p.flipColors(n)
	}
	return n
}

// delete removes the node of name, which must be in the tree below n. n need
// not be fresh.
func (p cow) delete(n *tree.Node, name string) *tree.Node {
	n = p.own(n)
	if tree.Less(n.Elem, name) < 0 {
		if n.Left != nil {
			if !isRed(n.Left) && !isRed(n.Left.Left) {
				n = p.moveRedLeft(n)
			}
			n.Left = p.delete(n.Left, name)
		}
	} else {
		if isRed(n.Left) {
			n = p.rotateRight(n)
		}
		if n.Right == nil && tree.Less(n.Elem, name) == 0 {
			return nil
		}
		if n.Right != nil {
			if !isRed(n.Right) && !isRed(n.Right.Left) {
				n = p.moveRedRight(n)
			}
			if tree.Less(n.Elem, name) == 0 {
				m := n.Right
				for m.Left != nil {
					m = m.Left
				}
				n.Elem = m.Elem
				n.Right = p.deleteMin(n.Right)
			} else {
				n.Right = p.delete(n.Right, name)
			}
		}
	}
	return p.fixUp(n)
}

// deleteMin removes the leftmost node below n. n need not be fresh.
func (p cow) deleteMin(n *tree.Node) *tree.Node {
	if n.Left == nil {
		return nil
	}
	n = p.own(n)
	if !isRed(n.Left) && !isRed(n.Left.Left) {
		n = p.moveRedLeft(n)
	}
	n.Left = p.deleteMin(n.Left)
	return p.fixUp(n)
}

func (p cow) fixUp(n *tree.Node) *tree.Node {
	if isRed(n.Right) {
		n = p.rotateLeft(n)
	}
	if isRed(n.Left) && isRed(n.Left.Left) {
		n = p.rotateRight(n)
	}
	if isRed(n.Left) && isRed(n.Right) {
		p.flipColors(n)
	}
	return n
}

func (p cow) moveRedLeft(n *tree.Node) *tree.Node {
	p.flipColors(n)
	if isRed(n.Right.Left) {
		n.Right = p.rotateRight(n.Right)
		n = p.rotateLeft(n)
		p.flipColors(n)
	}
	return n
}

func (p cow) moveRedRight(n *tree.Node) *tree.Node {
	p.flipColors(n)
	if isRed(n.Left.Left) {
		n = p.rotateRight(n)
		p.flipColors(n)
	}
	return n
}

func (p cow) rotateLeft(n *tree.Node) *tree.Node {
	r := p.own(n.Right)
	n.Right = r.Left
	r.Left = n
	r.Color = n.Color
	n.Color = red
	return r
}

func (p cow) rotateRight(n *tree.Node) *tree.Node {
	l := p.own(n.Left)
	n.Left = l.Right
	l.Right = n
	l.Color = n.Color
	n.Color = red
	return l
}

func (p cow) flipColors(n *tree.Node) {
	n.Left, n.Right = p.own(n.Left), p.own(n.Right)
	n.Color = !n.Color
	n.Left.Color = !n.Left.Color
	n.Right.Color = !n.Right.Color
}
