package classifier

import "sync"

// litIndex finds every prefilter literal of every pattern in one pass over
// a text (an Aho–Corasick automaton over bytes), instead of one search per
// literal.
type litIndex struct {
	lits  []string
	ids   map[string]int32
	nodes []acNode
	built bool
}

type acNode struct {
	next map[byte]int32
	fail int32
	out  []int32 // literals ending here, including through fail links
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
	x.nodes = []acNode{{next: map[byte]int32{}}}
	for id, l := range x.lits {
		n := int32(0)
		for i := 0; i < len(l); i++ {
			c := l[i]
			nx, ok := x.nodes[n].next[c]
			if !ok {
				nx = int32(len(x.nodes))
				x.nodes = append(x.nodes, acNode{next: map[byte]int32{}})
				x.nodes[n].next[c] = nx
			}
			n = nx
		}
		x.nodes[n].out = append(x.nodes[n].out, int32(id))
	}
	// Breadth first: fail links and inherited outputs.
	queue := make([]int32, 0, len(x.nodes))
	for _, child := range x.nodes[0].next {
		queue = append(queue, child)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for c, child := range x.nodes[n].next {
			f := x.nodes[n].fail
			for {
				if nx, ok := x.nodes[f].next[c]; ok && nx != child {
					x.nodes[child].fail = nx
					break
				}
				if f == 0 {
					break
				}
				f = x.nodes[f].fail
			}
			x.nodes[child].out = append(x.nodes[child].out, x.nodes[x.nodes[child].fail].out...)
			queue = append(queue, child)
		}
	}
}

// find returns, per literal id, the start offsets of its occurrences in s.
func (x *litIndex) find(s string) [][]int32 {
	pos := make([][]int32, len(x.lits))
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		for {
			if nx, ok := x.nodes[n].next[c]; ok {
				n = nx
				break
			}
			if n == 0 {
				break
			}
			n = x.nodes[n].fail
		}
		for _, id := range x.nodes[n].out {
			pos[id] = append(pos[id], int32(i+1-len(x.lits[id])))
		}
	}
	return pos
}
