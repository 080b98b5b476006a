package frontier

import (
	"container/heap"
	"fmt"
	"time"
)

// Store is the durable state of one partition: its seen set, host queues,
// host states, site states and leases. Each method is one write
// transaction; frontier/bolt implements it.
type Store interface {
	// Hosts calls fn for every host with queued URLs or a lease in flight.
	Hosts(fn func(HostEntry) error) error
	// Leases calls fn for every lease.
	Leases(fn func(Lease) error) error
	// Counts returns the committed totals.
	Counts() (Counts, error)
	// Admit adds the tasks not seen before and within their site's budget
	// to their host queues, at the higher of their own and their site's
	// priority.
	Admit(tasks []Task, p Policy) (Admitted, error)
	// Lease moves the first queued URL of each host into a lease that
	// expires at now+p.LeaseTTL. A host with a lease in flight or nothing
	// queued is skipped.
	Lease(hosts []string, p Policy, now time.Time) ([]Lease, Change, error)
	// Complete applies outcomes to their leases; an outcome for an unknown
	// lease is ignored.
	Complete(outcomes []Outcome, p Policy, now time.Time) (Completed, error)
	// Expire ends the leases ids that are still there and expired at now,
	// queueing their URLs again while attempts remain.
	Expire(ids []string, p Policy, now time.Time) (Change, error)
	// Focus sets site's priority for its future URLs and for the URLs queued
	// on hosts.
	Focus(site string, priority int32, hosts []string) (Change, error)
}

// Scheduler decides, for one partition, which URL is leased next and when.
// It keeps an Index of the hosts with queued URLs (rebuilt from the Store
// when it is created), a heap of lease expiries and the partition's
// committed counts. Every change goes through the Store first; memory
// follows only what committed. A Scheduler is not safe for concurrent use.
type Scheduler struct {
	store  Store
	policy Policy
	now    func() time.Time

	index   Index
	sites   map[string]map[string]bool // site → its hosts with queued URLs
	hostSet map[string]bool            // hosts with queued URLs
	expiry  expiryHeap
	counts  Counts
	pending []Lease
}

// NewScheduler reads the partition's hosts and leases from store and returns
// a Scheduler for them. now may be nil for time.Now.
func NewScheduler(store Store, p Policy, now func() time.Time) (*Scheduler, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Scheduler{store: store, policy: p, now: now,
		sites: make(map[string]map[string]bool), hostSet: make(map[string]bool)}
	if err := store.Hosts(func(e HostEntry) error { s.setHost(e); return nil }); err != nil {
		return nil, fmt.Errorf("frontier: load hosts: %w", err)
	}
	if err := store.Leases(func(l Lease) error {
		heap.Push(&s.expiry, expiry{l.Expires, l.ID})
		s.pending = append(s.pending, l)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("frontier: load leases: %w", err)
	}
	c, err := store.Counts()
	if err != nil {
		return nil, fmt.Errorf("frontier: load counts: %w", err)
	}
	s.counts = c
	return s, nil
}

// Policy returns the scheduler's policy with defaults applied.
func (s *Scheduler) Policy() Policy { return s.policy }

// Outstanding returns the leases that were in the store when the Scheduler
// was created, so that their tasks can be published again after a crash.
func (s *Scheduler) Outstanding() []Lease { return s.pending }

// Counts returns the committed totals.
func (s *Scheduler) Counts() Counts { return s.counts }

// Hosts returns the number of hosts with queued URLs.
func (s *Scheduler) Hosts() int { return len(s.hostSet) }

// Admit admits tasks in one transaction.
func (s *Scheduler) Admit(tasks []Task) (Admitted, error) {
	if len(tasks) == 0 {
		return Admitted{Change: Change{Counts: s.counts}}, nil
	}
	a, err := s.store.Admit(tasks, s.policy)
	if err != nil {
		return Admitted{}, fmt.Errorf("frontier: admit %d urls: %w", len(tasks), err)
	}
	s.apply(a.Change)
	return a, nil
}

// Complete applies outcomes in one transaction.
func (s *Scheduler) Complete(outcomes []Outcome) (Completed, error) {
	if len(outcomes) == 0 {
		return Completed{Change: Change{Counts: s.counts}}, nil
	}
	c, err := s.store.Complete(outcomes, s.policy, s.now())
	if err != nil {
		return Completed{}, fmt.Errorf("frontier: complete %d outcomes: %w", len(outcomes), err)
	}
	s.apply(c.Change)
	return c, nil
}

// Focus sets a site's priority for its queued and future URLs.
func (s *Scheduler) Focus(site string, priority int32) error {
	hosts := make([]string, 0, len(s.sites[site]))
	for h := range s.sites[site] {
		hosts = append(hosts, h)
	}
	c, err := s.store.Focus(site, priority, hosts)
	if err != nil {
		return fmt.Errorf("frontier: focus %s: %w", site, err)
	}
	s.apply(c)
	return nil
}

// Dispatch expires the leases whose time has passed, then leases the first
// URL of every host that is due, as long as fewer than MaxInFlight leases
// are outstanding. The caller publishes the returned leases.
func (s *Scheduler) Dispatch() ([]Lease, error) {
	now := s.now()
	var ids []string
	for s.expiry.Len() > 0 && !s.expiry[0].at.After(now) {
		ids = append(ids, heap.Pop(&s.expiry).(expiry).id)
	}
	if len(ids) > 0 {
		c, err := s.store.Expire(ids, s.policy, now)
		if err != nil {
			for _, id := range ids {
				heap.Push(&s.expiry, expiry{now, id})
			}
			return nil, fmt.Errorf("frontier: expire %d leases: %w", len(ids), err)
		}
		s.apply(c)
	}
	free := s.policy.MaxInFlight - int(s.counts.Leased)
	if free <= 0 {
		return nil, nil
	}
	hosts := s.index.Due(now, free)
	if len(hosts) == 0 {
		return nil, nil
	}
	leases, c, err := s.store.Lease(hosts, s.policy, now)
	if err != nil {
		for _, h := range hosts {
			s.index.Set(h, now, 0) // due again on the next try
		}
		return nil, fmt.Errorf("frontier: lease %d hosts: %w", len(hosts), err)
	}
	s.apply(c)
	for _, l := range leases {
		heap.Push(&s.expiry, expiry{l.Expires, l.ID})
	}
	return leases, nil
}

// Wake returns when Dispatch next has work: the earliest due host or lease
// expiry. ok is false when there is nothing to wait for.
func (s *Scheduler) Wake() (t time.Time, ok bool) {
	if s.counts.Leased < int64(s.policy.MaxInFlight) {
		t, ok = s.index.Next()
	}
	if s.expiry.Len() > 0 && (!ok || s.expiry[0].at.Before(t)) {
		t, ok = s.expiry[0].at, true
	}
	return t, ok
}

// apply makes memory follow a committed change.
func (s *Scheduler) apply(c Change) {
	for _, e := range c.Hosts {
		s.setHost(e)
	}
	s.counts = c.Counts
}

func (s *Scheduler) setHost(e HostEntry) {
	queued := e.State.Queued > 0
	if queued && e.State.Lease == "" {
		s.index.Set(e.Host, e.State.NextEligible, e.Head)
	} else {
		s.index.Remove(e.Host)
	}
	hosts := s.sites[e.State.Site]
	switch {
	case queued && !s.hostSet[e.Host]:
		s.hostSet[e.Host] = true
		if hosts == nil {
			hosts = make(map[string]bool)
			s.sites[e.State.Site] = hosts
		}
		hosts[e.Host] = true
	case !queued && s.hostSet[e.Host]:
		delete(s.hostSet, e.Host)
		delete(hosts, e.Host)
		if len(hosts) == 0 {
			delete(s.sites, e.State.Site)
		}
	}
}

type expiry struct {
	at time.Time
	id string
}

type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
