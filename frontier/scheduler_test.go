package frontier_test

import (
	"testing"
	"time"

	"trawl.dev/frontier"
	"trawl.dev/frontier/bolt"
)

// clock is a manual clock for Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// MustScheduler returns a Scheduler over a bbolt store in dir.
func MustScheduler(tb testing.TB, dir string, p frontier.Policy, c *clock) *frontier.Scheduler {
	tb.Helper()
	st, err := bolt.Open(bolt.PartitionPath(dir, 0), &bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	s, err := frontier.NewScheduler(st, p, c.Now)
	if err != nil {
		tb.Fatalf("new scheduler: %v", err)
	}
	return s
}

func tasks(urls ...string) []frontier.Task {
	var ts []frontier.Task
	for _, u := range urls {
		h := frontier.HostOf(u)
		ts = append(ts, frontier.Task{URL: u, Host: h, Site: h})
	}
	return ts
}

func mustAdmit(t *testing.T, s *frontier.Scheduler, urls ...string) {
	t.Helper()
	if _, err := s.Admit(tasks(urls...)); err != nil {
		t.Fatalf("admit: %v", err)
	}
}

func mustDispatch(t *testing.T, s *frontier.Scheduler) map[string]frontier.Lease {
	t.Helper()
	ls, err := s.Dispatch()
	if err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	byHost := map[string]frontier.Lease{}
	for _, l := range ls {
		if _, dup := byHost[l.Task.Host]; dup {
			t.Fatalf("dispatch leased two URLs of host %s at once", l.Task.Host)
		}
		byHost[l.Task.Host] = l
	}
	return byHost
}

func mustComplete(t *testing.T, s *frontier.Scheduler, o ...frontier.Outcome) {
	t.Helper()
	if _, err := s.Complete(o); err != nil {
		t.Fatalf("complete: %v", err)
	}
}

func TestSchedulerOneInFlightPerHost(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{MinDelay: time.Second}, c)
	mustAdmit(t, s, "http://a.com/1", "http://a.com/2", "http://a.com/3", "http://b.com/1", "http://b.com/2")
	got := mustDispatch(t, s)
	if len(got) != 2 {
		t.Fatalf("first dispatch: got %d leases, want one per host (2)", len(got))
	}
	c.Advance(time.Minute) // under LeaseTTL
	if again := mustDispatch(t, s); len(again) != 0 {
		t.Fatalf("dispatch with both hosts in flight: got %d leases, want 0", len(again))
	}
	mustComplete(t, s, frontier.Outcome{LeaseID: got["a.com"].ID, Status: 200})
	if again := mustDispatch(t, s); len(again) != 0 {
		t.Fatalf("dispatch right after an outcome: got %d leases, want 0 before MinDelay", len(again))
	}
	c.Advance(time.Second)
	again := mustDispatch(t, s)
	if len(again) != 1 || again["a.com"].Task.URL != "http://a.com/2" {
		t.Fatalf("dispatch after MinDelay: got %v, want http://a.com/2", again)
	}
	if n := s.Counts(); n.Leased != 2 || n.Queued != 2 || n.Fetched != 1 {
		t.Fatalf("counts: got %+v, want 2 leased, 2 queued, 1 fetched", n)
	}
	if s.Hosts() != 2 {
		t.Fatalf("hosts: got %d, want 2", s.Hosts())
	}
}

// TestSchedulerDelays checks when a host becomes eligible after an outcome.
func TestSchedulerDelays(t *testing.T) {
	p := frontier.Policy{MinDelay: time.Second, AdaptiveFactor: 2, MaxCrawlDelay: 30 * time.Second,
		MaxBackoff: time.Minute, MaxRetryAfter: 10 * time.Minute}
	tests := []struct {
		name     string
		outcomes []frontier.Outcome // applied in turn; the wait after the last is checked
		want     time.Duration
	}{
		{"min delay", []frontier.Outcome{{Status: 200, Duration: 100 * time.Millisecond}}, time.Second},
		{"adaptive delay", []frontier.Outcome{{Status: 200, Duration: 3 * time.Second}}, 6 * time.Second},
		{"crawl-delay", []frontier.Outcome{{Status: 200, CrawlDelay: 10 * time.Second}}, 10 * time.Second},
		{"crawl-delay capped", []frontier.Outcome{{Status: 200, CrawlDelay: time.Hour}}, 30 * time.Second},
		{"backoff on 5xx", []frontier.Outcome{{Status: 500}}, 2 * time.Second},
		{"backoff doubles", []frontier.Outcome{{Status: 500}, {Status: 502}, {ErrorCode: "timeout"}}, 8 * time.Second},
		{"backoff capped", []frontier.Outcome{{Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}}, time.Minute},
		{"success resets backoff", []frontier.Outcome{{Status: 500}, {Status: 500}, {Status: 200}}, time.Second},
		{"robots refusal is not a host error", []frontier.Outcome{{ErrorCode: "robots"}}, time.Second},
		{"blocked address is not a host error", []frontier.Outcome{{ErrorCode: "blocked_ip"}}, time.Second},
		{"dns failure backs off", []frontier.Outcome{{ErrorCode: "dns"}}, 2 * time.Second},
		{"unknown error code backs off", []frontier.Outcome{{ErrorCode: "something_new"}}, 2 * time.Second},
		{"retry-after on 429", []frontier.Outcome{{Status: 429, RetryAfter: 45 * time.Second}}, 45 * time.Second},
		{"retry-after on 503", []frontier.Outcome{{Status: 503, RetryAfter: 5 * time.Minute}}, 5 * time.Minute},
		{"retry-after capped", []frontier.Outcome{{Status: 503, RetryAfter: 24 * time.Hour}}, 10 * time.Minute},
		{"retry-after ignored on 200", []frontier.Outcome{{Status: 200, RetryAfter: time.Hour}}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := MustScheduler(t, t.TempDir(), p, c)
			var urls []string
			for i := range len(tt.outcomes) + 1 {
				urls = append(urls, "http://a.com/"+string(rune('a'+i)))
			}
			mustAdmit(t, s, urls...)
			for i, o := range tt.outcomes {
				ls := mustDispatch(t, s)
				l, ok := ls["a.com"]
				if !ok {
					t.Fatalf("outcome %d: host not leased at %v", i, c.Now())
				}
				o.LeaseID = l.ID
				mustComplete(t, s, o)
				if i < len(tt.outcomes)-1 {
					c.Advance(time.Hour)
				}
			}
			c.Advance(tt.want - time.Millisecond)
			if ls := mustDispatch(t, s); len(ls) != 0 {
				t.Fatalf("leased %v after %v, want a wait of %v", ls, tt.want-time.Millisecond, tt.want)
			}
			if wake, ok := s.Wake(); !ok || !wake.Equal(c.Now().Add(time.Millisecond)) {
				t.Fatalf("Wake: got %v, %v; want %v", wake, ok, c.Now().Add(time.Millisecond))
			}
			c.Advance(time.Millisecond)
			if ls := mustDispatch(t, s); len(ls) != 1 {
				t.Fatalf("got %d leases after %v, want 1", len(ls), tt.want)
			}
		})
	}
}

func TestSchedulerRetriesThenGivesUp(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{MinDelay: time.Second, MaxAttempts: 2}, c)
	mustAdmit(t, s, "http://a.com/")
	for attempt := int32(1); attempt <= 2; attempt++ {
		l, ok := mustDispatch(t, s)["a.com"]
		if !ok || l.Task.Attempt != attempt {
			t.Fatalf("attempt %d: got lease %+v, %v", attempt, l, ok)
		}
		mustComplete(t, s, frontier.Outcome{LeaseID: l.ID, Status: 503})
		c.Advance(time.Hour)
	}
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("after MaxAttempts: got %v, want nothing left", ls)
	}
	if n := s.Counts(); n.Queued != 0 || n.Failed != 2 || n.Dropped != 1 {
		t.Fatalf("counts: got %+v, want 0 queued, 2 failed, 1 dropped", n)
	}
}

func TestSchedulerLeaseExpiry(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{MinDelay: time.Second, LeaseTTL: time.Minute}, c)
	mustAdmit(t, s, "http://a.com/")
	first := mustDispatch(t, s)["a.com"]
	if wake, ok := s.Wake(); !ok || !wake.Equal(first.Expires) {
		t.Fatalf("Wake with a lease out: got %v, %v; want its expiry %v", wake, ok, first.Expires)
	}
	c.Advance(time.Minute)
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("dispatch at expiry: got %v, want the host to wait MinDelay", ls)
	}
	c.Advance(time.Second)
	second, ok := mustDispatch(t, s)["a.com"]
	if !ok || second.ID == first.ID || second.Task.Attempt != 2 {
		t.Fatalf("reissue: got %+v, %v; want a new lease, attempt 2", second, ok)
	}
	mustComplete(t, s, frontier.Outcome{LeaseID: first.ID, Status: 200})
	if n := s.Counts(); n.Fetched != 0 || n.Leased != 1 {
		t.Fatalf("outcome of the expired lease: counts %+v, want it ignored", n)
	}
	mustComplete(t, s, frontier.Outcome{LeaseID: second.ID, Status: 200})
	if n := s.Counts(); n.Fetched != 1 || n.Leased != 0 || n.Expired != 1 {
		t.Fatalf("counts: got %+v, want 1 fetched, 0 leased, 1 expired", n)
	}
}

func TestSchedulerMaxInFlightAndPriority(t *testing.T) {
	c := newClock()
	s := MustScheduler(t, t.TempDir(), frontier.Policy{MinDelay: time.Second, MaxInFlight: 2}, c)
	mustAdmit(t, s, "http://a.com/", "http://b.com/", "http://c.com/", "http://d.com/")
	if err := s.Focus("c.com", 10); err != nil {
		t.Fatal(err)
	}
	ls := mustDispatch(t, s)
	if len(ls) != 2 {
		t.Fatalf("got %d leases, want MaxInFlight (2)", len(ls))
	}
	if _, ok := ls["c.com"]; !ok {
		t.Fatalf("got %v, want the focused site c.com among the first leases", ls)
	}
	if again := mustDispatch(t, s); len(again) != 0 {
		t.Fatalf("over MaxInFlight: got %d leases, want 0", len(again))
	}
	mustComplete(t, s, frontier.Outcome{LeaseID: ls["c.com"].ID, Status: 200})
	if again := mustDispatch(t, s); len(again) != 1 {
		t.Fatalf("after one outcome: got %d leases, want 1", len(again))
	}
}

func TestSchedulerRebuildsFromStore(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st, err := bolt.Open(bolt.PartitionPath(dir, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := frontier.NewScheduler(st, frontier.Policy{MinDelay: time.Second}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	mustAdmit(t, s, "http://a.com/1", "http://a.com/2", "http://b.com/1")
	leased := mustDispatch(t, s)
	st.Close()

	s = MustScheduler(t, dir, frontier.Policy{MinDelay: time.Second}, c)
	if got := s.Outstanding(); len(got) != 2 {
		t.Fatalf("outstanding after reopen: got %d, want 2", len(got))
	}
	if n := s.Counts(); n.Leased != 2 || n.Queued != 1 || n.Seen != 3 {
		t.Fatalf("counts after reopen: got %+v", n)
	}
	if ls := mustDispatch(t, s); len(ls) != 0 {
		t.Fatalf("dispatch with leases out: got %v, want none", ls)
	}
	mustComplete(t, s, frontier.Outcome{LeaseID: leased["a.com"].ID, Status: 200})
	c.Advance(time.Second)
	if ls := mustDispatch(t, s); len(ls) != 1 || ls["a.com"].Task.URL != "http://a.com/2" {
		t.Fatalf("after reopen: got %v, want http://a.com/2", ls)
	}
}
