package frontier

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"time"
)

// Store is the durable state of one partition: its seen set, host queues,
// host states, site states and leases. Each method that changes something
// is one write transaction; frontier/bolt implements it. One goroutine
// calls the methods that change state.
type Store interface {
	// Hosts calls fn for every host with queued URLs or a lease in flight.
	Hosts(fn func(HostEntry) error) error
	// Leases calls fn for every lease.
	Leases(fn func(Lease) error) error
	// Counts returns the committed totals.
	Counts() (Counts, error)
	// State returns the partition's settings: paused or not, and the
	// scheduled recrawls.
	State() (PartitionState, error)
	// Admit adds the tasks not seen before, within their site's budget and
	// not on a blocked host, to their host queues, at the higher of their
	// own and their site's priority. A task from another site counts that
	// site among those linking to its own, which raises its budget.
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
	// on its hosts, and schedules or cancels the site's recrawls.
	Focus(site string, priority int32, p Policy, now time.Time) (Change, error)
	// Recrawl queues the root page of every host of site again, if its
	// recrawl is due at now, and schedules the next one.
	Recrawl(site string, p Policy, now time.Time) (Change, error)
	// SetOverride sets the operator's override of host (of site).
	SetOverride(host, site string, o Override) (Change, error)
	// SetIP records the address host resolved to before its first fetch.
	SetIP(host, ip string) (Change, error)
	// SetPaused pauses or resumes dispatching.
	SetPaused(paused bool) error
	// Maintain does one step of background upkeep (such as merging the seen
	// set) if one is due, and reports whether more steps are due.
	Maintain() (bool, error)
}

// PartitionState is a partition's settings.
type PartitionState struct {
	Paused   bool
	Recrawls []Recrawl
}

// Recrawl is the time of a focused site's next recrawl; a zero At means none.
type Recrawl struct {
	Site string
	At   time.Time
}

// Why a host is waiting, as HostView.Why says it, besides the Reason
// constants that say which rule set its next-eligible time.
const (
	WaitFetching  = "fetching"      // a lease is in flight
	WaitBlocked   = "blocked"       // the operator blocked the host
	WaitPaused    = "paused"        // the partition is paused
	WaitResolving = "resolving"     // its address is being looked up
	WaitIP        = "ip_politeness" // another host on its address is being fetched, or was just now
	WaitInFlight  = "max_in_flight" // due, but the partition has MaxInFlight leases out
	WaitReady     = "ready"         // due: it goes out with the next dispatch
)

// HostView is what an operator sees of one host: what it has queued and
// why it is waiting.
type HostView struct {
	Host         string        `json:"host"`
	Site         string        `json:"site"`
	Queued       int64         `json:"queued"`
	Priority     int32         `json:"priority"`
	Why          string        `json:"why"`              // a Wait or Reason constant
	NextEligible time.Time     `json:"next_eligible"`    // no fetch before
	Wait         time.Duration `json:"wait"`             // until then (0 when due)
	Delay        time.Duration `json:"delay"`            // the wait the last outcome set
	Reason       string        `json:"reason"`           // the rule that set it
	Errors       int32         `json:"errors,omitempty"` // consecutive host errors (backoff)
	Parks        int32         `json:"parks,omitempty"`  // consecutive robots.txt failures
	LastStatus   int32         `json:"last_status,omitempty"`
	LastError    string        `json:"last_error,omitempty"`
	Fetched      int64         `json:"fetched"`
	IP           string        `json:"ip,omitempty"`
	Override     Override      `json:"override,omitzero"`
}

// Option configures a Scheduler.
type Option func(*Scheduler)

// WithIPGate makes the scheduler share g (one per frontier instance) for the
// per-IP rules; by default each Scheduler has its own.
func WithIPGate(g *IPGate) Option { return func(s *Scheduler) { s.gate = g } }

// WithResolveFirst holds a host whose address is not known yet out of
// dispatch until SetIP gives it one (or says there is none), so per-IP
// politeness holds from a host's first fetch. The caller looks up the hosts
// Unresolved returns.
func WithResolveFirst() Option { return func(s *Scheduler) { s.resolveFirst = true } }

// Scheduler decides, for one partition, which URL is leased next and when.
// It keeps an Index of the hosts with queued URLs (rebuilt from the Store
// when it is created), the state of every active host, a heap of lease
// expiries and of recrawls, and the partition's committed counts. Every
// change goes through the Store first; memory follows only what committed.
// A Scheduler is not safe for concurrent use.
type Scheduler struct {
	store        Store
	policy       Policy
	now          func() time.Time
	gate         *IPGate
	resolveFirst bool
	woken        *wakeups // hosts whose address freed a slot

	index      Index
	hosts      map[string]*hostMem // hosts with queued URLs or a lease
	queued     int                 // hosts with queued URLs
	expiry     expiryHeap
	leaseIP    map[string]string // lease → address whose slot it holds
	recrawls   recrawlHeap
	recrawlAt  map[string]time.Time
	unresolved map[string]bool // waiting to be looked up
	resolving  map[string]bool // handed to the caller by Unresolved
	noIP       map[string]bool // lookup failed: dispatched without an address
	paused     bool
	counts     Counts
	pending    []Lease
}

type hostMem struct {
	state HostState
	head  int32
}

// NewScheduler reads the partition's hosts, leases and settings from store
// and returns a Scheduler for them. now may be nil for time.Now.
func NewScheduler(store Store, p Policy, now func() time.Time, opts ...Option) (*Scheduler, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Scheduler{store: store, policy: p, now: now,
		hosts:   make(map[string]*hostMem),
		leaseIP: make(map[string]string), recrawlAt: make(map[string]time.Time),
		unresolved: make(map[string]bool), resolving: make(map[string]bool), noIP: make(map[string]bool),
		woken: newWakeups()}
	for _, o := range opts {
		o(s)
	}
	if s.gate == nil {
		s.gate = NewIPGate(p)
	}
	if err := store.Hosts(func(e HostEntry) error { s.setHost(e); return nil }); err != nil {
		return nil, fmt.Errorf("frontier: load hosts: %w", err)
	}
	t := now()
	if err := store.Leases(func(l Lease) error {
		heap.Push(&s.expiry, expiry{l.Expires, l.ID})
		s.pending = append(s.pending, l)
		if h := s.hosts[l.Task.Host]; h != nil && h.state.LastIP != "" {
			s.gate.Hold(h.state.LastIP, t)
			s.leaseIP[l.ID] = h.state.LastIP
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("frontier: load leases: %w", err)
	}
	c, err := store.Counts()
	if err != nil {
		return nil, fmt.Errorf("frontier: load counts: %w", err)
	}
	s.counts = c
	st, err := store.State()
	if err != nil {
		return nil, fmt.Errorf("frontier: load state: %w", err)
	}
	s.paused = st.Paused
	s.setRecrawls(st.Recrawls)
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
func (s *Scheduler) Hosts() int { return s.queued }

// Woken receives a value when hosts waiting for a busy address may go: the
// caller should Dispatch (another partition's outcome freed the address).
func (s *Scheduler) Woken() <-chan struct{} { return s.woken.c }

// Paused reports whether dispatching is paused.
func (s *Scheduler) Paused() bool { return s.paused }

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

// Complete applies outcomes in one transaction and frees the address slots
// their leases held.
func (s *Scheduler) Complete(outcomes []Outcome) (Completed, error) {
	if len(outcomes) == 0 {
		return Completed{Change: Change{Counts: s.counts}}, nil
	}
	c, err := s.store.Complete(outcomes, s.policy, s.now())
	if err != nil {
		return Completed{}, fmt.Errorf("frontier: complete %d outcomes: %w", len(outcomes), err)
	}
	now := s.now()
	for _, o := range outcomes {
		s.releaseIP(o.LeaseID, now)
	}
	s.apply(c.Change)
	return c, nil
}

// Focus sets a site's priority for its queued and future URLs, and starts or
// stops its recrawls.
func (s *Scheduler) Focus(site string, priority int32) error {
	c, err := s.store.Focus(site, priority, s.policy, s.now())
	if err != nil {
		return fmt.Errorf("frontier: focus %s: %w", site, err)
	}
	s.apply(c)
	return nil
}

// SetOverride sets (or, with the zero Override, clears) the operator's
// override of host, which belongs to site.
func (s *Scheduler) SetOverride(host, site string, o Override) error {
	c, err := s.store.SetOverride(host, site, o)
	if err != nil {
		return fmt.Errorf("frontier: override %s: %w", host, err)
	}
	s.apply(c)
	return nil
}

// SetPaused pauses or resumes dispatching. Leases in flight run out as usual.
func (s *Scheduler) SetPaused(paused bool) error {
	if err := s.store.SetPaused(paused); err != nil {
		return fmt.Errorf("frontier: pause: %w", err)
	}
	s.paused = paused
	return nil
}

// Unresolved hands out up to n hosts whose address must be looked up before
// their first fetch (see WithResolveFirst). Each comes back through SetIP.
func (s *Scheduler) Unresolved(n int) []string {
	var out []string
	for h := range s.unresolved {
		if len(out) == n {
			break
		}
		delete(s.unresolved, h)
		s.resolving[h] = true
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// RetryLookup gives back a host that Unresolved handed out but that could
// not be looked up now; a later Unresolved hands it out again.
func (s *Scheduler) RetryLookup(host string) {
	if s.resolving[host] {
		delete(s.resolving, host)
		s.unresolved[host] = true
	}
}

// SetIP records the address host resolved to; "" means the lookup failed and
// the host goes out without one (the crawler will report why).
func (s *Scheduler) SetIP(host, ip string) error {
	delete(s.resolving, host)
	h := s.hosts[host]
	if h == nil {
		return nil
	}
	if ip == "" {
		s.noIP[host] = true
		s.setHost(HostEntry{Host: host, State: h.state, Head: h.head})
		return nil
	}
	c, err := s.store.SetIP(host, ip)
	if err != nil {
		s.unresolved[host] = true
		return fmt.Errorf("frontier: set address of %s: %w", host, err)
	}
	s.apply(c)
	return nil
}

// Maintain does one step of the store's upkeep and reports whether more is
// due; the caller interleaves it with the rest of its work.
func (s *Scheduler) Maintain() (bool, error) {
	more, err := s.store.Maintain()
	if err != nil {
		return more, fmt.Errorf("frontier: maintain: %w", err)
	}
	return more, nil
}

// Dispatch expires the leases whose time has passed, queues the recrawls
// that are due, then (unless paused) leases the first URL of every host that
// is due and whose address has a free slot, as long as fewer than
// MaxInFlight leases are outstanding. The caller publishes the returned
// leases.
func (s *Scheduler) Dispatch() ([]Lease, error) { return s.DispatchUpTo(s.policy.MaxInFlight) }

// Free is how many more leases Dispatch could issue now: MaxInFlight less
// the leases out (0 while paused).
func (s *Scheduler) Free() int {
	if s.paused {
		return 0
	}
	return max(s.policy.MaxInFlight-int(s.counts.Leased), 0)
}

// DispatchUpTo is Dispatch issuing at most n leases (it still expires
// leases and queues recrawls when n is 0).
func (s *Scheduler) DispatchUpTo(n int) ([]Lease, error) {
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
		for _, id := range ids {
			s.releaseIP(id, now)
		}
		s.apply(c)
	}
	for s.recrawls.Len() > 0 && !s.recrawls[0].At.After(now) {
		r := heap.Pop(&s.recrawls).(Recrawl)
		if at, ok := s.recrawlAt[r.Site]; !ok || !at.Equal(r.At) {
			continue // replaced since
		}
		c, err := s.store.Recrawl(r.Site, s.policy, now)
		if err != nil {
			heap.Push(&s.recrawls, Recrawl{Site: r.Site, At: now.Add(time.Minute)})
			s.recrawlAt[r.Site] = now.Add(time.Minute)
			return nil, fmt.Errorf("frontier: recrawl %s: %w", r.Site, err)
		}
		s.apply(c)
	}
	for host, at := range s.woken.take() {
		if h := s.hosts[host]; h != nil && s.indexed(host, h) {
			s.index.Set(host, maxTime(at, h.state.NextEligible), h.head)
		}
	}
	if s.paused {
		return nil, nil
	}
	free := min(s.policy.MaxInFlight-int(s.counts.Leased), n)
	var hosts []string
	held := make(map[string]string)
	for free > 0 {
		due := s.index.Due(now, free)
		if len(due) == 0 {
			break
		}
		for _, host := range due {
			h := s.hosts[host]
			if h == nil {
				continue
			}
			if ip := h.state.LastIP; ip != "" {
				retry, ok := s.gate.acquire(ip, now, s.woken, host)
				if !ok {
					s.index.Set(host, retry, h.head)
					continue
				}
				held[host] = ip
			}
			hosts = append(hosts, host)
			free--
		}
	}
	if len(hosts) == 0 {
		return nil, nil
	}
	leases, c, err := s.store.Lease(hosts, s.policy, now)
	if err != nil {
		for _, host := range hosts {
			s.gate.Release(held[host], now)
			if h := s.hosts[host]; h != nil {
				s.index.Set(host, now, h.head) // due again on the next try
			}
		}
		return nil, fmt.Errorf("frontier: lease %d hosts: %w", len(hosts), err)
	}
	for _, l := range leases {
		heap.Push(&s.expiry, expiry{l.Expires, l.ID})
		if ip, ok := held[l.Task.Host]; ok {
			s.leaseIP[l.ID] = ip
			delete(held, l.Task.Host)
		}
	}
	for _, ip := range held {
		s.gate.Release(ip, now) // the host had nothing to lease after all
	}
	s.apply(c)
	return leases, nil
}

// Wake returns when Dispatch next has work: the earliest due host, lease
// expiry or recrawl. ok is false when there is nothing to wait for.
func (s *Scheduler) Wake() (t time.Time, ok bool) {
	if !s.paused && s.counts.Leased < int64(s.policy.MaxInFlight) {
		t, ok = s.index.Next()
	}
	if s.expiry.Len() > 0 && (!ok || s.expiry[0].at.Before(t)) {
		t, ok = s.expiry[0].at, true
	}
	if s.recrawls.Len() > 0 && (!ok || s.recrawls[0].At.Before(t)) {
		t, ok = s.recrawls[0].At, true
	}
	return t, ok
}

// View returns what an operator sees of host, and false when it has nothing
// queued or in flight.
func (s *Scheduler) View(host string) (HostView, bool) {
	h := s.hosts[host]
	if h == nil {
		return HostView{}, false
	}
	return s.view(host, h, s.now()), true
}

// TopHosts returns the n hosts with the longest queues, longest first.
func (s *Scheduler) TopHosts(n int) []HostView {
	type kv struct {
		host   string
		queued int64
	}
	top := make([]kv, 0, n+1)
	for host, h := range s.hosts {
		q := h.state.Queued
		if len(top) == n && (q < top[n-1].queued || q == top[n-1].queued && host > top[n-1].host) {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, kv{host, q}, func(a, b kv) int {
			return cmp.Or(cmp.Compare(b.queued, a.queued), cmp.Compare(a.host, b.host))
		})
		top = slices.Insert(top, i, kv{host, q})
		if len(top) > n {
			top = top[:n]
		}
	}
	now := s.now()
	out := make([]HostView, len(top))
	for i, e := range top {
		out[i] = s.view(e.host, s.hosts[e.host], now)
	}
	return out
}

// Waiting counts the active hosts by why they wait (HostView.Why).
func (s *Scheduler) Waiting() map[string]int {
	now := s.now()
	out := make(map[string]int)
	for host, h := range s.hosts {
		out[s.why(host, h, now)]++
	}
	return out
}

func (s *Scheduler) view(host string, h *hostMem, now time.Time) HostView {
	st := h.state
	v := HostView{Host: host, Site: st.Site, Queued: st.Queued, Priority: h.head, NextEligible: st.NextEligible,
		Delay: st.Delay, Reason: st.Reason, Errors: st.Errors, Parks: st.Parks, LastStatus: st.LastStatus,
		LastError: st.LastError, Fetched: st.Fetched, IP: st.LastIP, Override: st.Override}
	v.Why = s.why(host, h, now)
	if st.NextEligible.After(now) {
		v.Wait = st.NextEligible.Sub(now)
	}
	if v.Why == WaitIP {
		if ip := s.gate.Status(st.LastIP); ip.Next.After(now) && ip.Next.After(st.NextEligible) {
			v.NextEligible, v.Wait = ip.Next, ip.Next.Sub(now)
		}
	}
	return v
}

func (s *Scheduler) why(host string, h *hostMem, now time.Time) string {
	st := h.state
	switch {
	case st.Lease != "":
		return WaitFetching
	case st.Override.Block:
		return WaitBlocked
	case s.paused:
		return WaitPaused
	case s.unresolved[host] || s.resolving[host]:
		return WaitResolving
	case st.NextEligible.After(now):
		if st.Reason == "" {
			return ReasonMinDelay
		}
		return st.Reason
	case s.gate.Busy(st.LastIP, now):
		return WaitIP
	case s.counts.Leased >= int64(s.policy.MaxInFlight):
		return WaitInFlight
	}
	return WaitReady
}

func (s *Scheduler) releaseIP(leaseID string, now time.Time) {
	if ip, ok := s.leaseIP[leaseID]; ok {
		s.gate.Release(ip, now)
		delete(s.leaseIP, leaseID)
	}
}

// apply makes memory follow a committed change.
func (s *Scheduler) apply(c Change) {
	for _, e := range c.Hosts {
		s.setHost(e)
	}
	s.setRecrawls(c.Recrawls)
	s.counts = c.Counts
}

func (s *Scheduler) setRecrawls(rs []Recrawl) {
	for _, r := range rs {
		if r.At.IsZero() {
			delete(s.recrawlAt, r.Site)
			continue
		}
		s.recrawlAt[r.Site] = r.At
		heap.Push(&s.recrawls, r)
	}
}

func (s *Scheduler) setHost(e HostEntry) {
	host := e.Host
	queued := e.State.Queued > 0
	prev := s.hosts[host]
	wasQueued := prev != nil && prev.state.Queued > 0
	if queued || e.State.Lease != "" {
		if prev == nil {
			prev = new(hostMem)
			s.hosts[host] = prev
		}
		prev.state, prev.head = e.State, e.Head
	} else if prev != nil {
		delete(s.hosts, host)
		delete(s.unresolved, host)
		delete(s.resolving, host)
		delete(s.noIP, host)
	}
	switch {
	case !queued || e.State.Lease != "" || e.State.Override.Block:
		s.index.Remove(host)
	case s.awaitsIP(host, e.State):
		s.index.Remove(host)
		if !s.resolving[host] {
			s.unresolved[host] = true
		}
	default:
		s.index.Set(host, e.State.NextEligible, e.Head)
	}
	switch {
	case queued && !wasQueued:
		s.queued++
	case !queued && wasQueued:
		s.queued--
	}
}

// awaitsIP reports whether host must have its address looked up first.
func (s *Scheduler) awaitsIP(host string, st HostState) bool {
	return s.resolveFirst && st.LastIP == "" && !s.noIP[host]
}

// indexed reports whether host belongs in the index of hosts to dispatch.
func (s *Scheduler) indexed(host string, h *hostMem) bool {
	st := h.state
	return st.Queued > 0 && st.Lease == "" && !st.Override.Block && !s.awaitsIP(host, st)
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

type recrawlHeap []Recrawl

func (h recrawlHeap) Len() int           { return len(h) }
func (h recrawlHeap) Less(i, j int) bool { return h[i].At.Before(h[j].At) }
func (h recrawlHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *recrawlHeap) Push(x any)        { *h = append(*h, x.(Recrawl)) }
func (h *recrawlHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
