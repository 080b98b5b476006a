package frontier

import (
	"container/heap"
	"time"
)

// Index orders the hosts that have queued URLs and no fetch in flight by the
// time they may be fetched again; among hosts whose time has come, the one
// whose next URL has the highest priority goes first. The zero Index is
// empty and ready to use. It is not safe for concurrent use.
type Index struct {
	items   map[string]*indexItem
	waiting hostHeap // by next-eligible time
	due     hostHeap // by priority, then time
}

type indexItem struct {
	host     string
	next     time.Time
	priority int32
	pos      int
	inDue    bool
}

// Set adds host or moves it to its new time and priority.
func (x *Index) Set(host string, next time.Time, priority int32) {
	if x.items == nil {
		x.items = make(map[string]*indexItem)
		x.waiting.less = func(a, b *indexItem) bool {
			if !a.next.Equal(b.next) {
				return a.next.Before(b.next)
			}
			return a.host < b.host
		}
		x.due.less = func(a, b *indexItem) bool {
			if a.priority != b.priority {
				return a.priority > b.priority
			}
			return x.waiting.less(a, b)
		}
	}
	it, ok := x.items[host]
	if !ok {
		it = &indexItem{host: host, next: next, priority: priority}
		x.items[host] = it
		heap.Push(&x.waiting, it)
		return
	}
	it.next, it.priority = next, priority
	if it.inDue {
		heap.Remove(&x.due, it.pos)
		it.inDue = false
		heap.Push(&x.waiting, it)
		return
	}
	heap.Fix(&x.waiting, it.pos)
}

// Remove removes host; it is a no-op for a host that is not indexed.
func (x *Index) Remove(host string) {
	it, ok := x.items[host]
	if !ok {
		return
	}
	delete(x.items, host)
	if it.inDue {
		heap.Remove(&x.due, it.pos)
	} else {
		heap.Remove(&x.waiting, it.pos)
	}
}

// Len is the number of indexed hosts.
func (x *Index) Len() int { return len(x.items) }

// Due removes and returns up to n hosts whose time is at or before now,
// highest priority first.
func (x *Index) Due(now time.Time, n int) []string {
	for x.waiting.Len() > 0 && !x.waiting.items[0].next.After(now) {
		it := heap.Pop(&x.waiting).(*indexItem)
		it.inDue = true
		heap.Push(&x.due, it)
	}
	var hosts []string
	for len(hosts) < n && x.due.Len() > 0 {
		it := heap.Pop(&x.due).(*indexItem)
		delete(x.items, it.host)
		hosts = append(hosts, it.host)
	}
	return hosts
}

// Next returns the earliest time at which a host is due, and false when the
// index is empty. A host already due reports its (past) time.
func (x *Index) Next() (time.Time, bool) {
	switch {
	case x.due.Len() > 0:
		return x.due.items[0].next, true
	case x.waiting.Len() > 0:
		return x.waiting.items[0].next, true
	}
	return time.Time{}, false
}

type hostHeap struct {
	items []*indexItem
	less  func(a, b *indexItem) bool
}

func (h *hostHeap) Len() int           { return len(h.items) }
func (h *hostHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *hostHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].pos, h.items[j].pos = i, j
}
func (h *hostHeap) Push(x any) {
	it := x.(*indexItem)
	it.pos = len(h.items)
	h.items = append(h.items, it)
}
func (h *hostHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items[len(h.items)-1] = nil
	h.items = h.items[:len(h.items)-1]
	return it
}
