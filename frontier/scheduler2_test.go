package frontier_test

import (
	"testing"
	"time"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
)

// TestSchedulerPerIP: two hosts on one address are fetched one at a time,
// IPMinDelay apart, once the address is known.
func TestSchedulerPerIP(t *testing.T) {
	c := newClock()
	p := frontier.Policy{MinDelay: time.Second, IPMinDelay: 300 * time.Millisecond, MaxPerIP: 1}
	s := MustScheduler(t, t.TempDir(), p, c)
	mustAdmit(t, s, "http://a.com/1", "http://a.com/2", "http://b.com/1", "http://b.com/2", "http://c.com/1", "http://c.com/2")
	first := mustDispatch(t, s)
	if len(first) != 3 {
		t.Fatalf("first dispatch, addresses unknown: got %d leases, want 3", len(first))
	}
	mustComplete(t, s,
		frontier.Outcome{LeaseID: first["a.com"].ID, Status: 200, IP: "10.0.0.1"},
		frontier.Outcome{LeaseID: first["b.com"].ID, Status: 200, IP: "10.0.0.1"},
		frontier.Outcome{LeaseID: first["c.com"].ID, Status: 200, IP: "10.0.0.2"})
	c.Advance(time.Second)
	second := mustDispatch(t, s)
	_, a := second["a.com"]
	_, b := second["b.com"]
	if len(second) != 2 || a == b || second["c.com"].ID == "" {
		t.Fatalf("second dispatch: got %v; want c.com and one of a.com, b.com (they share 10.0.0.1)", second)
	}
	waiting := "b.com"
	if b {
		waiting = "a.com"
	}
	if v, _ := s.View(waiting); v.Why != frontier.WaitIP {
		t.Fatalf("view of %s: got why %q, want %q", waiting, v.Why, frontier.WaitIP)
	}
	c.Advance(5 * time.Second)
	if again := mustDispatch(t, s); len(again) != 0 {
		t.Fatalf("while 10.0.0.1 is in flight: got %v, want nothing", again)
	}
	for host, l := range second {
		if host != "c.com" {
			mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 200, IP: "10.0.0.1"})
		}
	}
	c.Advance(299 * time.Millisecond)
	if again := mustDispatch(t, s); len(again) != 0 {
		t.Fatalf("within IPMinDelay of the last fetch's end: got %v, want nothing", again)
	}
	c.Advance(time.Millisecond)
	if again := mustDispatch(t, s); len(again) != 1 || again[waiting].ID == "" {
		t.Fatalf("IPMinDelay after: got %v, want %s", again, waiting)
	}
}

// TestSchedulerResolveFirst: with WithResolveFirst a host waits for its
// address, so even first fetches keep to the per-IP rules.
func TestSchedulerResolveFirst(t *testing.T) {
	c := newClock()
	st, err := bolt.Open(bolt.PartitionPath(t.TempDir(), 0), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := frontier.NewScheduler(st, frontier.Policy{MinDelay: time.Second}, c.Now, frontier.WithResolveFirst())
	if err != nil {
		t.Fatal(err)
	}
	mustAdmit(t, s, "http://a.com/", "http://b.com/", "http://c.com/")
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("before lookups: got %v, want nothing", ls)
	}
	if v, _ := s.View("a.com"); v.Why != frontier.WaitResolving {
		t.Fatalf("view: got why %q, want %q", v.Why, frontier.WaitResolving)
	}
	hosts := s.Unresolved(10)
	if len(hosts) != 3 || len(s.Unresolved(10)) != 0 {
		t.Fatalf("unresolved: got %v, want the 3 hosts once", hosts)
	}
	for _, h := range []struct{ host, ip string }{{"a.com", "10.0.0.1"}, {"b.com", "10.0.0.1"}, {"c.com", ""}} {
		if err := s.SetIP(h.host, h.ip); err != nil {
			t.Fatal(err)
		}
	}
	ls := mustDispatch(t, s)
	_, a := ls["a.com"]
	_, b := ls["b.com"]
	if len(ls) != 2 || a == b {
		t.Fatalf("after lookups: got %v; want c.com (no address) and one of a.com, b.com", ls)
	}
}

func TestSchedulerRobotsParking(t *testing.T) {
	c := newClock()
	p := frontier.Policy{MinDelay: time.Second, RobotsPark: time.Minute, MaxParks: 3, MaxAttempts: 1, MaxBackoff: time.Hour}
	s := MustScheduler(t, t.TempDir(), p, c)
	mustAdmit(t, s, "http://a.com/1")
	// a.com's robots.txt fails three times: parked twice, doubling, then
	// its URL is given up. Parks do not use up attempts (MaxAttempts is 1).
	wait := time.Minute
	for i := range 3 {
		l, ok := mustDispatch(t, s)["a.com"]
		if !ok || l.Task.Tries() != 1 || l.Task.Parked != int32(i) {
			t.Fatalf("park %d: got %+v, %v; want a.com/1 on its first counted try, parked %d times", i, l, ok, i)
		}
		mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, ErrorCode: frontier.CodeRobotsUnavailable})
		if i == 2 {
			break
		}
		v, _ := s.View("a.com")
		if v.Why != frontier.ReasonRobotsParked || v.Wait != wait || v.Queued != 1 {
			t.Fatalf("park %d: got %+v; want parked for %v with the URL kept", i, v, wait)
		}
		c.Advance(wait - time.Millisecond)
		if ls := mustDispatch(t, s); ls["a.com"].ID != "" {
			t.Fatalf("park %d: dispatched while parked", i)
		}
		c.Advance(time.Millisecond)
		wait *= 2
	}
	if _, ok := s.View("a.com"); ok {
		t.Fatal("a.com still active after its URL was given up")
	}
	if n := s.Counts(); n.Parked != 2 || n.Dropped != 1 {
		t.Fatalf("counts: got %+v; want 2 parked, 1 dropped", n)
	}
	// b.com: one failure, then robots.txt answers: the parks reset.
	mustAdmit(t, s, "http://b.com/1")
	l := mustDispatch(t, s)["b.com"]
	mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, ErrorCode: frontier.CodeRobotsUnavailable})
	mustAdmit(t, s, "http://b.com/2")
	c.Advance(time.Minute)
	l = mustDispatch(t, s)["b.com"]
	mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 200})
	if v, _ := s.View("b.com"); v.Parks != 0 || v.Why != frontier.ReasonMinDelay {
		t.Fatalf("after robots.txt recovered: got %+v, want parks reset, min delay", v)
	}
}

func TestSchedulerOverrideAndPause(t *testing.T) {
	path := bolt.PartitionPath(t.TempDir(), 0)
	c := newClock()
	p := frontier.Policy{MinDelay: time.Second}
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := frontier.NewScheduler(st, p, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	mustAdmit(t, s, "http://a.com/1", "http://a.com/2", "http://b.com/1")
	if err := s.SetOverride("a.com", "a.com", frontier.Override{Block: true}); err != nil {
		t.Fatal(err)
	}
	ls := mustDispatch(t, s)
	if len(ls) != 1 || ls["b.com"].ID == "" {
		t.Fatalf("with a.com blocked: got %v, want only b.com", ls)
	}
	if v, _ := s.View("a.com"); v.Why != frontier.WaitBlocked {
		t.Fatalf("view: got why %q, want blocked", v.Why)
	}
	if a, err := s.Admit(tasks("http://a.com/3")); err != nil || a.Blocked != 1 || a.New != 0 {
		t.Fatalf("admit to a blocked host: got %+v, %v; want it refused", a, err)
	}
	if err := s.SetOverride("a.com", "a.com", frontier.Override{Delay: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPaused(true); err != nil {
		t.Fatal(err)
	}
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("paused: got %v, want nothing", ls)
	}
	// The pause survives a restart.
	st.Close()
	if st, err = bolt.Open(path, nil); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if s, err = frontier.NewScheduler(st, p, c.Now); err != nil {
		t.Fatal(err)
	}
	if !s.Paused() {
		t.Fatal("paused state lost on reopen")
	}
	if v, _ := s.View("a.com"); v.Why != frontier.WaitPaused {
		t.Fatalf("view while paused: got why %q", v.Why)
	}
	if err := s.SetPaused(false); err != nil {
		t.Fatal(err)
	}
	l := mustDispatch(t, s)["a.com"]
	mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 200})
	if v, _ := s.View("a.com"); v.Wait != 10*time.Second || v.Why != frontier.ReasonOverride {
		t.Fatalf("after an outcome with a 10s override: got wait %v, why %q", v.Wait, v.Why)
	}
}

// TestSchedulerBudgetGrows: each distinct other site linking to a site adds
// to its budget.
func TestSchedulerBudgetGrows(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{SiteBudget: 2, BudgetPerLinkingSite: 1, MaxSiteBudget: 4}, c)
	link := func(from string, urls ...string) frontier.Admitted {
		t.Helper()
		ts := tasks(urls...)
		for i := range ts {
			ts[i].FromSite = from
		}
		a, err := s.Admit(ts)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	steps := []struct {
		from         string
		urls         []string
		wantNew      int
		wantOverBudg int
	}{
		{"t.com", []string{"http://t.com/1", "http://t.com/2", "http://t.com/3"}, 2, 1},
		{"x.com", []string{"http://t.com/4"}, 1, 0},                   // x.com raises the budget to 3
		{"x.com", []string{"http://t.com/5"}, 0, 1},                   // the same site does not count twice
		{"y.com", []string{"http://t.com/6", "http://t.com/7"}, 1, 1}, // 4
		{"z.com", []string{"http://t.com/8"}, 0, 1},                   // capped at MaxSiteBudget
	}
	for i, st := range steps {
		if a := link(st.from, st.urls...); a.New != st.wantNew || a.OverBudget != st.wantOverBudg {
			t.Fatalf("step %d (from %s): got %d new, %d over budget; want %d, %d", i, st.from, a.New, a.OverBudget, st.wantNew, st.wantOverBudg)
		}
	}
	if err := s.SetOverride("t.com", "t.com", frontier.Override{Budget: 10}); err != nil {
		t.Fatal(err)
	}
	if a := link("", "http://t.com/9"); a.New != 1 {
		t.Fatalf("with an operator budget of 10: got %+v, want the URL admitted", a)
	}
}

func TestSchedulerRecrawl(t *testing.T) {
	c := newClock()
	p := frontier.Policy{MinDelay: time.Second, RecrawlInterval: time.Hour}
	s := MustScheduler(t, t.TempDir(), p, c)
	mustAdmit(t, s, "https://shop.store.ru/catalog", "http://www.store.ru/")
	// The tasks' Site is their host here (see tasks), so focus each.
	for _, site := range []string{"shop.store.ru", "www.store.ru"} {
		if err := s.Focus(site, 5); err != nil {
			t.Fatal(err)
		}
	}
	first := mustDispatch(t, s)
	for _, l := range first {
		mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 200})
	}
	c.Advance(59 * time.Minute)
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("before the recrawl: got %v", ls)
	}
	if wake, ok := s.Wake(); !ok || !wake.Equal(c.Now().Add(time.Minute)) {
		t.Fatalf("wake: got %v, %v; want the recrawl in a minute", wake, ok)
	}
	c.Advance(time.Minute)
	again := mustDispatch(t, s)
	want := map[string]string{"shop.store.ru": "https://shop.store.ru/", "www.store.ru": "http://www.store.ru/"}
	for host, url := range want {
		l := again[host]
		if l.Task.URL != url || l.Task.Round != 1 || l.ID == first[host].ID {
			t.Errorf("recrawl of %s: got %+v; want %s in round 1 with a new lease ID", host, l, url)
		}
	}
	if n := s.Counts(); n.Recrawl != 2 {
		t.Errorf("counts: got %+v, want 2 recrawled", n)
	}
	if err := s.Focus("www.store.ru", 0); err != nil {
		t.Fatal(err)
	}
	for _, l := range again {
		mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 200})
	}
	c.Advance(time.Hour)
	if ls := mustDispatch(t, s); len(ls) != 1 || ls["shop.store.ru"].ID == "" {
		t.Fatalf("after unfocusing www.store.ru: got %v, want only shop.store.ru recrawled", ls)
	}
}

func TestSchedulerTopHosts(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{MinDelay: time.Second}, c)
	mustAdmit(t, s, "http://a.com/1", "http://b.com/1", "http://b.com/2", "http://b.com/3", "http://c.com/1", "http://c.com/2")
	top := s.TopHosts(2)
	if len(top) != 2 || top[0].Host != "b.com" || top[0].Queued != 3 || top[1].Host != "c.com" {
		t.Fatalf("top 2: got %+v, want b.com (3), c.com (2)", top)
	}
	if top[0].Why != frontier.WaitReady {
		t.Fatalf("why: got %q, want ready", top[0].Why)
	}
	ls := mustDispatch(t, s)
	mustComplete(t, s, frontier.Outcome{LeaseID: ls["b.com"].ID, Status: 503, RetryAfter: time.Minute})
	w := s.Waiting()
	if w[frontier.WaitFetching] != 2 || w[frontier.ReasonRetryAfter] != 1 {
		t.Fatalf("waiting: got %v, want 2 fetching, 1 retry-after", w)
	}
	if v, _ := s.View("b.com"); v.Wait != time.Minute || v.LastStatus != 503 {
		t.Fatalf("view of b.com: got %+v", v)
	}
}

// TestSchedulersShareAnIPGate: two partitions with a host each on one
// address; the outcome in one wakes the other exactly when the address may
// be fetched again.
func TestSchedulersShareAnIPGate(t *testing.T) {
	c := newClock()
	p := frontier.Policy{MinDelay: time.Second, IPMinDelay: 200 * time.Millisecond, MaxPerIP: 1}
	gate := frontier.NewIPGate(p)
	open := func(dir string) *frontier.Scheduler {
		st, err := bolt.Open(bolt.PartitionPath(dir, 0), &bolt.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		s, err := frontier.NewScheduler(st, p, c.Now, frontier.WithIPGate(gate), frontier.WithResolveFirst())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := open(t.TempDir()), open(t.TempDir())
	mustAdmit(t, s1, "http://a.com/")
	mustAdmit(t, s2, "http://b.com/")
	for _, sh := range []struct {
		s    *frontier.Scheduler
		host string
	}{{s1, "a.com"}, {s2, "b.com"}} {
		sh.s.Unresolved(1)
		if err := sh.s.SetIP(sh.host, "10.0.0.9"); err != nil {
			t.Fatal(err)
		}
	}
	l := mustDispatch(t, s1)["a.com"]
	if ls := mustDispatch(t, s2); len(ls) != 0 {
		t.Fatalf("b.com while a.com is fetched from the same address: got %v", ls)
	}
	c.Advance(700 * time.Millisecond)
	mustComplete(t, s1, frontier.Outcome{LeaseID: l.ID, Status: 200, IP: "10.0.0.9"})
	select {
	case <-s2.Woken():
	default:
		t.Fatal("the other partition was not woken when the address freed")
	}
	if ls := mustDispatch(t, s2); len(ls) != 0 {
		t.Fatalf("b.com within IPMinDelay: got %v", ls)
	}
	if wake, ok := s2.Wake(); !ok || !wake.Equal(c.Now().Add(200*time.Millisecond)) {
		t.Fatalf("wake: got %v, %v; want IPMinDelay from now", wake, ok)
	}
	c.Advance(200 * time.Millisecond)
	if ls := mustDispatch(t, s2); len(ls) != 1 {
		t.Fatalf("b.com IPMinDelay after a.com's outcome: got %v", ls)
	}
}
