package classifier

import "sync"

// litIndex finds every prefilter literal of every pattern in one pass over
// a text: an Aho–Corasick automaton over bytes, compiled to a table of
// transitions (one lookup per byte of text) over the classes of bytes that
// occur in literals.
type litIndex struct {
	lits  []string
	ids   map[string]int32
	built bool

	class  [256]uint8 // byte → class; 0 for bytes in no literal
	nclass int
	delta  []int32   // state*nclass + class → next state
	out    [][]int32 // literals ending at a state, including through fail links
}

var (
	litsMu   sync.Mutex
	allLits  = &litIndex{ids: make(map[string]int32)}
	litsOnce sync.Once
)

// literalIDs registers a pattern's literals and returns their ids. It runs
// while the package's variables are initialised, before any search; once
// the automaton is built it returns false.
func literalIDs(lits []string) ([]int32, bool) {
	litsMu.Lock()
	defer litsMu.Unlock()
	if allLits.built {
		return nil, false
	}
	ids := make([]int32, len(lits))
	for i, l := range lits {
		id, ok := allLits.ids[l]
		if !ok {
			id = int32(len(allLits.lits))
			allLits.ids[l] = id
			allLits.lits = append(allLits.lits, l)
		}
		ids[i] = id
	}
	return ids, true
}

// index returns the automaton, built on first use.
func index() *litIndex {
	litsOnce.Do(allLits.build)
	return allLits
}

func (x *litIndex) build() {
	litsMu.Lock()
	defer litsMu.Unlock()
	x.built = true
	x.nclass = 1
	for _, l := range x.lits {
		for i := 0; i < len(l); i++ {
			if x.class[l[i]] == 0 {
				x.class[l[i]] = uint8(x.nclass)
				x.nclass++
			}
		}
	}
	// The trie, with sparse children while it is built.
	type node struct {
		next map[uint8]int32
		fail int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for id, l := range x.lits {
		n := int32(0)
		for i := 0; i < len(l); i++ {
			c := x.class[l[i]]
			nx, ok := nodes[n].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[n].next[c] = nx
			}
			n = nx
		}
		nodes[n].out = append(nodes[n].out, int32(id))
	}
	// Breadth first: fail links, inherited outputs and the full table.
	nc := x.nclass
	x.delta = make([]int32, len(nodes)*nc)
	x.out = make([][]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for c := range nc {
		if child, ok := nodes[0].next[uint8(c)]; ok {
			x.delta[c] = child
			queue = append(queue, child)
		}
	}
	x.out[0] = nodes[0].out
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		f := nodes[n].fail
		x.out[n] = append(nodes[n].out, x.out[f]...)
		for c := range nc {
			child, ok := nodes[n].next[uint8(c)]
			if !ok {
				x.delta[int(n)*nc+c] = x.delta[int(f)*nc+c]
				continue
			}
			nodes[child].fail = x.delta[int(f)*nc+c]
			x.delta[int(n)*nc+c] = child
			queue = append(queue, child)
		}
	}
}

// find returns, per literal id, the start offsets of its occurrences in s.
func (x *litIndex) find(s string) [][]int32 {
	pos := make([][]int32, len(x.lits))
	nc := x.nclass
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = x.delta[int(st)*nc+int(x.class[s[i]])]
		for _, id := range x.out[st] {
			pos[id] = append(pos[id], int32(i+1-len(x.lits[id])))
		}
	}
	return pos
}
