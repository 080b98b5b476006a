package simweb

import (
	"math/rand/v2"
	"slices"
)

// maxTreeDepth is the deepest a site hangs below the seeds in the spanning tree; stores hang at most 4 deep.
const (
	maxTreeDepth  = 5
	maxStoreDepth = 4
)

// treeCapacity is how many sites a site of each kind may introduce in the spanning tree.
var treeCapacity = [numKinds]int32{
	KindHub: 60, KindForum: 15, KindMusicBlog: 6, KindNews: 4, KindPersonal: 3, KindStore: 3,
	KindFreeMP3: 2, KindTorrent: 2, KindLabel: 2, KindRadio: 2, KindStreaming: 1, KindTrackStore: 1,
	KindShop: 1, KindCompany: 1,
}

// storeParent says which kinds may introduce a store.
func storeParent(k Kind) bool {
	switch k {
	case KindHub, KindForum, KindMusicBlog, KindPersonal, KindNews, KindStore:
		return true
	}
	return false
}

// buildLinks makes the site-level link graph: a spanning tree from the seed hubs, which makes every site
// reachable and keeps stores within maxStoreDepth hops, plus cross links (hubs and forums to anything,
// blogs to stores, stores to their sister stores).
func (w *Web) buildLinks(r *rand.Rand) {
	n := len(w.sites)
	var hubs []int32
	for i := range w.sites {
		if w.sites[i].Kind == KindHub {
			hubs = append(hubs, int32(i))
		}
	}
	nSeeds := min(len(hubs), max(1, min(maxSeeds, n/sitesPerSeed)))
	w.seeds = hubs[:nSeeds]
	capLeft := make([]int32, n)
	depth := make([]int8, n)
	for i := range depth {
		depth[i] = -1
	}
	var general, forStores [maxTreeDepth][]int32
	addPool := func(i int32) {
		d := depth[i]
		if capLeft[i] <= 0 || int(d) >= maxTreeDepth {
			return
		}
		if w.sites[i].Kind != KindStore { // stores introduce only their sister stores
			general[d] = append(general[d], i)
		}
		if storeParent(w.sites[i].Kind) {
			forStores[d] = append(forStores[d], i)
		}
	}
	for _, s := range w.seeds {
		w.sites[s].Seed = true
		depth[s] = 0
		capLeft[s] = 1 << 30
		addPool(s)
	}
	// take picks a parent from pool at random, dropping entries that are full.
	take := func(pool *[]int32) int32 {
		for len(*pool) > 0 {
			j := r.IntN(len(*pool))
			p := (*pool)[j]
			if capLeft[p] > 0 {
				capLeft[p]--
				return p
			}
			(*pool)[j] = (*pool)[len(*pool)-1]
			*pool = (*pool)[:len(*pool)-1]
		}
		return -1
	}

	order := make([]int32, 0, n)
	var rest []int32
	for i := range w.sites {
		switch {
		case w.sites[i].Seed:
		case w.sites[i].Kind == KindHub:
			order = append(order, int32(i))
		default:
			rest = append(rest, int32(i))
		}
	}
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	order = append(order, rest...)

	for _, s := range order {
		k := w.sites[s].Kind
		parent := int32(-1)
		switch k {
		case KindHub:
			parent = w.seeds[r.IntN(len(w.seeds))]
		case KindStore:
			for d := r.IntN(maxStoreDepth); d >= 0 && parent < 0; d-- {
				parent = take(&forStores[d])
			}
		default:
			total := 0
			for d := range general {
				total += len(general[d])
			}
			if total > 0 {
				x := r.IntN(total)
				for d := range general {
					if x < len(general[d]) {
						parent = take(&general[d])
						break
					}
					x -= len(general[d])
				}
			}
		}
		if parent < 0 {
			parent = w.seeds[r.IntN(len(w.seeds))]
		}
		w.links[parent] = append(w.links[parent], s)
		depth[s] = depth[parent] + 1
		capLeft[s] = treeCapacity[k]
		addPool(s)
	}

	var stores, piracy, legit []int32
	families := make(map[int][]int32)
	for i := range w.sites {
		switch w.sites[i].Class {
		case ClassStore:
			stores = append(stores, int32(i))
			families[w.sites[i].Family] = append(families[w.sites[i].Family], int32(i))
		case ClassPiracy:
			piracy = append(piracy, int32(i))
		case ClassMusicLegit:
			legit = append(legit, int32(i))
		}
	}
	all := func() int32 { return int32(r.IntN(n)) }
	from := func(list []int32) func() int32 {
		return func() int32 {
			if len(list) == 0 {
				return -1
			}
			return list[r.IntN(len(list))]
		}
	}
	for i := range w.sites {
		s := &w.sites[i]
		add := func(count int, target func() int32) {
			for range count {
				if t := target(); t >= 0 && int(t) != i && !slices.Contains(w.links[i], t) {
					w.links[i] = append(w.links[i], t)
				}
			}
		}
		switch s.Kind {
		case KindHub:
			add(3+r.IntN(8), all)
			add(r.IntN(3), from(stores))
		case KindForum:
			add(4+r.IntN(7), all)
			add(r.IntN(2), from(stores))
		case KindMusicBlog:
			add(1+r.IntN(3), from(stores))
			add(r.IntN(3), from(legit))
			add(r.IntN(2), from(piracy))
		case KindStore:
			for _, j := range families[s.Family] {
				if int(j) != i && !slices.Contains(w.links[i], j) {
					w.links[i] = append(w.links[i], j)
				}
			}
		case KindNews, KindPersonal:
			add(r.IntN(3), all)
		case KindFreeMP3, KindTorrent:
			add(r.IntN(3), from(piracy))
		case KindStreaming, KindTrackStore, KindLabel, KindRadio:
			add(r.IntN(2), from(legit))
		}
	}
}

// computeDepth sets Site.Depth to the fewest cross-site links from any seed.
func (w *Web) computeDepth() {
	for i := range w.sites {
		w.sites[i].Depth = -1
	}
	queue := make([]int32, 0, len(w.sites))
	for _, s := range w.seeds {
		w.sites[s].Depth = 0
		queue = append(queue, s)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range w.links[s] {
			if w.sites[t].Depth < 0 {
				w.sites[t].Depth = w.sites[s].Depth + 1
				queue = append(queue, t)
			}
		}
	}
}
