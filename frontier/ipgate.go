package frontier

import (
	"sync"
	"time"
)

// IPGate is the second level of politeness (as in BUbiNG's workbench): hosts
// that share an address share its limits. At most MaxPerIP fetches are in
// flight to one address, and a fetch starts at least IPMinDelay after the
// previous one from that address started and after the last one ended.
// Every partition Scheduler of one frontier instance shares one IPGate;
// it is safe for concurrent use. A host's address is the one the crawler
// last reported for it (or the frontier resolved before its first fetch).
type IPGate struct {
	minDelay time.Duration
	maxPer   int

	mu    sync.Mutex
	ips   map[string]*ipState
	swept time.Time
}

type ipState struct {
	inFlight int
	next     time.Time           // no fetch starts before
	waiters  map[string]*wakeups // hosts waiting for a slot, and whose
}

// wakeups collects the hosts of one Scheduler whose address freed a slot,
// with the time they may go; the gate fills it from any goroutine.
type wakeups struct {
	mu    sync.Mutex
	hosts map[string]time.Time
	c     chan struct{} // signalled when hosts were added
}

func newWakeups() *wakeups {
	return &wakeups{hosts: make(map[string]time.Time), c: make(chan struct{}, 1)}
}

func (w *wakeups) add(host string, at time.Time) {
	w.mu.Lock()
	w.hosts[host] = at
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default:
	}
}

func (w *wakeups) take() map[string]time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.hosts) == 0 {
		return nil
	}
	out := w.hosts
	w.hosts = make(map[string]time.Time)
	return out
}

// IPStatus is an address's state, for operators.
type IPStatus struct {
	InFlight int
	Next     time.Time
}

// NewIPGate returns a gate for the per-IP rules of p (after defaults). A
// negative MaxPerIP or IPMinDelay turns that rule off.
func NewIPGate(p Policy) *IPGate {
	p = p.WithDefaults()
	return &IPGate{minDelay: max(p.IPMinDelay, 0), maxPer: p.MaxPerIP, ips: make(map[string]*ipState)}
}

// Acquire takes a fetch slot of ip at now. When none is free it returns
// false and the earliest time worth trying again.
func (g *IPGate) Acquire(ip string, now time.Time) (time.Time, bool) {
	return g.acquire(ip, now, nil, "")
}

// acquire is Acquire that, when every slot is busy, registers host with w to
// be woken when one frees, and returns a late retry as a backstop.
func (g *IPGate) acquire(ip string, now time.Time, w *wakeups, host string) (time.Time, bool) {
	if ip == "" || g.maxPer < 0 && g.minDelay == 0 {
		return now, true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.ips[ip]
	if st == nil {
		st = &ipState{}
		g.ips[ip] = st
	}
	if g.maxPer > 0 && st.inFlight >= g.maxPer {
		// Busy: the slot frees when a fetch ends, which only its outcome
		// tells. A waiter is woken then; others look again after the gap a
		// fetch end imposes anyway.
		if w != nil {
			if st.waiters == nil {
				st.waiters = make(map[string]*wakeups)
			}
			st.waiters[host] = w
			return now.Add(5 * time.Second), false
		}
		return now.Add(max(g.minDelay, 50*time.Millisecond)), false
	}
	if now.Before(st.next) {
		return st.next, false
	}
	st.inFlight++
	st.next = now.Add(g.minDelay)
	return now, true
}

// Hold takes a slot of ip whatever the rules say: for leases found in flight
// when a frontier restarts.
func (g *IPGate) Hold(ip string, now time.Time) {
	if ip == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.ips[ip]
	if st == nil {
		st = &ipState{}
		g.ips[ip] = st
	}
	st.inFlight++
	st.next = maxTime(st.next, now.Add(g.minDelay))
}

// Release returns a slot of ip taken by Acquire or Hold, at now, when the
// fetch ended (or its lease expired).
func (g *IPGate) Release(ip string, now time.Time) {
	if ip == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.ips[ip]
	if st == nil {
		return
	}
	st.inFlight = max(st.inFlight-1, 0)
	st.next = maxTime(st.next, now.Add(g.minDelay))
	for host, w := range st.waiters {
		w.add(host, st.next)
	}
	st.waiters = nil
	// Forget idle addresses now and then, so the map holds only recent ones.
	if len(g.ips) > 4096 && now.Sub(g.swept) > 10*time.Second {
		g.swept = now
		for k, v := range g.ips {
			if v.inFlight == 0 && !v.next.After(now) && len(v.waiters) == 0 {
				delete(g.ips, k)
			}
		}
	}
}

// Status returns ip's state.
func (g *IPGate) Status(ip string) IPStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	if st := g.ips[ip]; st != nil {
		return IPStatus{InFlight: st.inFlight, Next: st.next}
	}
	return IPStatus{}
}

// Busy reports whether a fetch from ip could not start at now.
func (g *IPGate) Busy(ip string, now time.Time) bool {
	if ip == "" {
		return false
	}
	st := g.Status(ip)
	return now.Before(st.Next) || g.maxPer > 0 && st.InFlight >= g.maxPer
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
