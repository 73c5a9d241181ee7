package zone

import (
	"slices"
	"strings"

	"github.com/google/btree"
)

// owners is a version's owner names in key order: packed flat (flatOwners)
// for a small zone, a B-tree for a big one. Most zones of a provider are
// small (the test/bench shape has 5 owners): a B-tree node there holds a
// 40-byte item array grown by append to 8 slots, plus the node, the tree
// header and its copy-on-write context, some 450 bytes a zone. A patch of a
// flat set makes a new one (at most smallOwners owners and smallRecords
// records) and stays O(1) in n; past that size the set becomes a B-tree,
// whose Clone is a lazy copy-on-write copy, so a patch costs O(owners
// touched x log n).
type owners struct {
	flat flatOwners // used when tree is nil
	tree *btree.BTreeG[owner]
}

// smallOwners is the most owners a flat set holds.
const smallOwners = 64

// degree is the B-tree's: nodes of 15 to 31 owners (40 bytes each) fill a few
// cache lines per level searched, and a 1,000,000-owner zone is 4 levels deep.
const degree = 16

// freeList is shared by every tree: btree.NewG would give each tree a list of
// its own (a slice of 32 pointers), one per big zone. Its size 0 keeps no
// nodes: versions share nodes, so freed ones are rare.
var freeList = btree.NewFreeListG[owner](0)

func lessOwner(a, b owner) bool { return a.key < b.key }

func newTree() *btree.BTreeG[owner] { return btree.NewWithFreeListG(degree, lessOwner, freeList) }

// last returns the last owner (there is always the apex).
func (s owners) last() owner {
	if s.tree != nil {
		o, _ := s.tree.Max()
		return o
	}
	return s.flat.at(s.flat.len() - 1)
}

func (s owners) get(key string) (owner, bool) {
	if s.tree != nil {
		return s.tree.Get(owner{key: key})
	}
	if i, ok := s.flat.search(key); ok {
		return s.flat.at(i), true
	}
	return owner{}, false
}

// descend calls fn for the owners at or before key, last first, until fn
// returns false.
func (s owners) descend(key string, fn func(owner) bool) {
	if s.tree != nil {
		s.tree.DescendLessOrEqual(owner{key: key}, fn)
		return
	}
	i, ok := s.flat.search(key)
	if ok {
		i++
	}
	for i--; i >= 0 && fn(s.flat.at(i)); i-- {
	}
}

// ascend calls fn for the owners at or after key, in order, until fn
// returns false.
func (s owners) ascend(key string, fn func(owner) bool) {
	if s.tree != nil {
		s.tree.AscendGreaterOrEqual(owner{key: key}, fn)
		return
	}
	i, _ := s.flat.search(key)
	for ; i < s.flat.len() && fn(s.flat.at(i)); i++ {
	}
}

// with returns a new set: s with the owners of changed (by key) replaced,
// added, or, when they have no records, removed. s is not changed. A flat
// set is packed anew (packOwners: flat again if it still fits, else a
// B-tree); a B-tree is cloned copy-on-write.
func (s owners) with(changed map[string]*owner) owners {
	if s.tree == nil {
		out := s.flat.all()
		for _, o := range changed {
			i, found := slices.BinarySearchFunc(out, o.key, func(x owner, k string) int { return strings.Compare(x.key, k) })
			switch {
			case len(o.rrs) == 0 && found:
				out = slices.Delete(out, i, i+1)
			case len(o.rrs) == 0:
			case found:
				out[i] = *o
			default:
				out = slices.Insert(out, i, *o)
			}
		}
		_, set := packOwners("", out)
		return set
	}
	// Clone writes the tree it is called on: call it on a copy of the
	// header, so that s stays read-only for concurrent readers.
	header := *s.tree
	t := header.Clone()
	for _, o := range changed {
		if len(o.rrs) == 0 {
			t.Delete(*o)
		} else {
			t.ReplaceOrInsert(*o)
		}
	}
	return owners{tree: t}
}
